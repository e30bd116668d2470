/**
 * `npm run bench:compare -- <other checkout>`: this checkout's built service against another's (a
 * worktree or clone, built, with its own package.json), on one seeded database, request by request:
 * in each round the two services and the independent floor each run one mixed 1000-record batch, the
 * services' order swapped every round. A change that moves the service by a few ms is lost in the
 * run-to-run spread of `npm run bench` (svc/indep moved from 1.18 to 1.26 between runs of the same
 * code); measured in turn, both services meet the same machine at the same moment. Prints each one's
 * p50 and p99, each over the independent floor, its CPU time per request (the less noisy gauge of a change
 * to the service's own work), and the median of the paired differences.
 */
import 'reflect-metadata';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { World } from './batches';
import { openDataSource, prepareTarget, seed } from './database';
import { IndependentFloor } from './independent-floor';
import { serviceOnce, summarize } from './measure';
import { ServiceProcess } from './service';

const ROWS = 100_000;
const BATCH = 1000;
const WARMUP = 10;
const ROUNDS = Number(process.env.COMPARE_ROUNDS ?? 100);

const log = (message: string): void => void process.stderr.write(`[compare ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function main(): Promise<number> {
  const other = process.argv[2] ? resolve(process.argv[2]) : '';
  if (!other || !existsSync(join(other, 'dist', 'main.js'))) {
    process.stderr.write('usage: npm run bench:compare -- <another checkout, built (dist/main.js)>\n');
    return 2;
  }
  const here = resolve(__dirname, '..');
  const target = await prepareTarget(false);
  const direct = await openDataSource(target);
  const services: ServiceProcess[] = [];
  try {
    const brand = await seed(direct.dataSource, ROWS, log);
    const world = new World(ROWS);
    const tmp = join(here, 'bench', 'results', 'tmp');
    mkdirSync(tmp, { recursive: true });
    const logFile = (name: string) => join(tmp, `compare-${name}-${Date.now()}.log`);
    const env = { JOB_WORKERS: 'false' };
    services.push(await ServiceProcess.start(target, brand, logFile('here'), env, here));
    services.push(await ServiceProcess.start(target, brand, logFile('other'), env, other));
    const independent = new IndependentFloor(direct.dataSource, brand);
    const samples: number[][] = [[], []];
    const cpu = [
      { user: 0, system: 0 },
      { user: 0, system: 0 },
    ];
    const floor: number[] = [];
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      // the services' CPU over the measured rounds, whenever it is spent (a collection after an answer too)
      if (round === WARMUP) services.forEach((s, k) => (cpu[k] = s.cpuTimes()));
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      const times: number[] = [];
      for (const k of order) {
        times[k] = await serviceOnce(services[k], world.build('mixed', BATCH));
        const plain = await independent.run(world.build('mixed', BATCH));
        if (round >= WARMUP) floor.push(plain.ms);
      }
      if (round >= WARMUP) times.forEach((ms, k) => samples[k].push(ms));
    }
    services.forEach((s, k) => {
      const end = s.cpuTimes();
      cpu[k] = { user: end.user - cpu[k].user, system: end.system - cpu[k].system };
    });
    const perRequest = (seconds: number): string => ((seconds * 1000) / ROUNDS).toFixed(2);
    const [a, b] = samples.map((s) => summarize(s, 0));
    const indep = summarize(floor, 0);
    const differences = samples[1].map((ms, i) => ms - samples[0][i]).sort((x, y) => x - y);
    const median = differences[Math.floor(differences.length / 2)];
    const fasterOther = differences.filter((d) => d < 0).length;
    const row = (name: string, l: { p50: number; p99: number }, k: number) =>
      `${name.padEnd(22)} p50 ${l.p50.toFixed(1).padStart(6)}  p99 ${l.p99.toFixed(1).padStart(6)}  /indep p50 ${(l.p50 / indep.p50).toFixed(3)}  p99 ${(l.p99 / indep.p99).toFixed(3)}` +
      `  CPU ${perRequest(cpu[k].user + cpu[k].system)} ms/request (kernel ${perRequest(cpu[k].system)})`;
    process.stdout.write(
      [
        `${ROUNDS} rounds of mixed ${BATCH}-record batches on ${ROWS} rows, after ${WARMUP} of warm-up`,
        row(`here (${here.split('/').pop()})`, a, 0),
        row(`other (${other.split('/').pop()})`, b, 1),
        `independent floor      p50 ${indep.p50.toFixed(1).padStart(6)}  p99 ${indep.p99.toFixed(1).padStart(6)}`,
        `other - here, per round: median ${median.toFixed(1)} ms; other faster in ${fasterOther} of ${ROUNDS}`,
      ].join('\n') + '\n',
    );
    return 0;
  } finally {
    for (const s of services) await s.stop().catch(() => undefined);
    await direct.close();
    await target.dispose();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`compare: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
