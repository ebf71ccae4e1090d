import fs from 'node:fs/promises';

/** Figures of a process read from /proc (Linux): what the kernel says, not what the runtime believes. */
export async function readProcStatus(pid: number): Promise<{ vmRssKiB: number; vmHwmKiB: number }> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]);
  };
  return { vmRssKiB: field('VmRSS'), vmHwmKiB: field('VmHWM') };
}

/** The process's largest resident mappings (/proc/<pid>/smaps), e.g. `152/189 MiB [anon]`: resident of mapped. */
export async function largestMappings(pid: number, count: number): Promise<string[]> {
  const mappings: { name: string; sizeKiB: number; rssKiB: number }[] = [];
  for (const line of (await fs.readFile(`/proc/${pid}/smaps`, 'utf8')).split('\n')) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) mappings.push({ name: header[3] || '[anon]', sizeKiB: (parseInt(header[2]!, 16) - parseInt(header[1]!, 16)) / 1024, rssKiB: 0 });
    else if (line.startsWith('Rss:') && mappings.length > 0) mappings[mappings.length - 1]!.rssKiB = Number(line.split(/\s+/)[1]);
  }
  return mappings
    .sort((a, b) => b.rssKiB - a.rssKiB)
    .slice(0, count)
    .map((m) => `${(m.rssKiB / 1024).toFixed(0)}/${(m.sizeKiB / 1024).toFixed(0)} MiB ${m.name}`);
}

/** User plus system CPU time of a process so far, in seconds (/proc/<pid>/stat counts in 1/100 s on Linux). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: the fields counted from 3 start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS;
}

/** CPU time the whole machine spent busy so far (every core, every process), in seconds, from /proc/stat. */
export async function machineBusySeconds(): Promise<number> {
  const stat = await fs.readFile('/proc/stat', 'utf8');
  const [user, nice, system, , , irq, softirq, steal] = stat.slice(0, stat.indexOf('\n')).split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS;
}

const CLOCK_TICKS = 100;
