import { registerAs } from '@nestjs/config';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { validateConfig } from './validate-config';

class AppEnv {
  @IsOptional() @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @Matches(/^\d+(b|kb|mb)?$/i, { message: 'must be a size such as 5mb, 512kb or 1048576' })
  BODY_LIMIT?: string;

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;
}

export interface AppConfig {
  port: number;
  bodyLimit: string;
  logLevel: string;
}

export default registerAs('app', (): AppConfig => {
  const env = validateConfig(process.env, AppEnv);
  return {
    port: env.PORT ?? 3000,
    bodyLimit: env.BODY_LIMIT ?? '5mb',
    logLevel: env.LOG_LEVEL ?? 'info',
  };
});
