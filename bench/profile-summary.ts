/**
 * Where a V8 CPU profile (.cpuprofile) spends its time: self time by package or file, and the
 * hottest functions. `npx ts-node --transpile-only bench/profile-summary.ts FILE.cpuprofile`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package>, the service's own file, node's internals, or V8's pseudo-frames. */
function owner(url: string, functionName: string): string {
  if (!url) return `(${functionName.replace(/[()]/g, '') || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/(dist|src)\/(.+)$/.exec(url);
  if (own) return `service: ${own[2]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  byOwner: { name: string; ms: number; share: number }[];
  byFunction: { name: string; ms: number; share: number }[];
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, k) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0)));
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id) as ProfileNode;
    total += us;
    if (callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const o = owner(callFrame.url, callFrame.functionName);
    owners.set(o, (owners.get(o) ?? 0) + us);
    const where = callFrame.url ? ` ${callFrame.url.replace(/^.*\/(node_modules|dist|src)\//, '$1/')}:${callFrame.lineNumber + 1}` : '';
    const name = `${callFrame.functionName || '(anonymous)'}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const busy = total - idle;
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: us / busy }));
  return { totalMs: total / 1000, busyMs: busy / 1000, byOwner: rank(owners), byFunction: rank(functions) };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [`CPU profile: ${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms`, '', 'self time by owner:'];
  for (const o of summary.byOwner) lines.push(`  ${(o.share * 100).toFixed(1).padStart(5)}%  ${o.ms.toFixed(0).padStart(7)} ms  ${o.name}`);
  lines.push('', 'hottest functions (self time):');
  for (const f of summary.byFunction)
    lines.push(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
  return lines.join('\n');
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: npx ts-node --transpile-only bench/profile-summary.ts FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(formatProfile(summarizeProfile(file, Number(process.argv[3] ?? 25))) + '\n');
}
