import { plainToInstance, ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';

/** Thrown at boot for a wrong or missing setting; main.ts prints its message as the one line. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Checks the environment variables of one concern against a class of class-validator rules.
 * The first broken rule stops the service with one line naming the variable and what it expects.
 */
export function validateConfig<T extends object>(env: Record<string, unknown>, cls: ClassConstructor<T>): T {
  const instance = plainToInstance(cls, env, { enableImplicitConversion: true });
  const errors = validateSync(instance, { skipMissingProperties: false });
  if (errors.length > 0) {
    const first = errors[0];
    // the rule written first (the type: PORT=abc is "not an integer", not "greater than 65535")
    // comes last: decorators apply from the last written to the first
    const what = Object.values(first.constraints ?? {}).at(-1) ?? 'is not valid';
    throw new ConfigError(`Configuration error: ${first.property} ${what.replace(new RegExp(`^${first.property}\\s*`), '')}`);
  }
  return instance;
}
