import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the time went by package/area,
 * and the top functions by self time and by inclusive (total) time.
 *
 * Usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

function shortUrl(url: string): string {
  if (!url) return '';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const src = url.search(/\/(dist|src|bench)\//);
  if (src >= 0) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
}

function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node core';
  const modules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const own = /\/(dist|src)\/(.+?)\/[^/]+$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return shortUrl(url);
}

function keyOf(frame: ProfileNode['callFrame']): string {
  const where = frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where}`;
}

export function summarizeProfile(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);

  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;

  // Inclusive time: every distinct function on the stack is charged once per sample.
  const onStack = new Map<string, number>();
  const root = profile.nodes[0]!;
  const walk = (node: ProfileNode) => {
    const key = keyOf(node.callFrame);
    onStack.set(key, (onStack.get(key) ?? 0) + 1);
    const count = hits.get(node.id) ?? 0;
    if (count > 0) {
      if (node.callFrame.functionName === '(idle)') idle += count;
      else {
        total += count;
        self.set(key, (self.get(key) ?? 0) + count);
        const area = areaOf(node.callFrame);
        areas.set(area, (areas.get(area) ?? 0) + count);
        for (const k of onStack.keys()) inclusive.set(k, (inclusive.get(k) ?? 0) + count);
      }
    }
    for (const child of node.children ?? []) walk(byId.get(child)!);
    const left = onStack.get(key)! - 1;
    if (left === 0) onStack.delete(key);
    else onStack.set(key, left);
  };
  walk(root);

  const pct = (n: number) => `${((100 * n) / Math.max(1, total)).toFixed(1).padStart(5)}%`;
  const ms = (n: number) => `${(n * msPerSample).toFixed(0).padStart(7)} ms`;
  const list = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${pct(v)} ${ms(v)}  ${k}`)
      .join('\n');
  return [
    `${file}`,
    `busy ${(total * msPerSample).toFixed(0)} ms, idle ${(idle * msPerSample).toFixed(0)} ms`,
    `\nself time by area:\n${list(areas, 20)}`,
    `\ntop ${top} functions by self time:\n${list(self, top)}`,
    `\ntop ${top} functions by total time:\n${list(inclusive, top + 15)}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarizeProfile(file, top ? Number(top) : 25)}\n`);
}
