/**
 * The README's fenced code blocks, read the way test/readme/readme.int.test.ts runs them.
 *
 * Conventions (the README's source follows them; this file is where they are defined):
 * - A block's info string says what it is: `sh` or `bash` (run with bash), `ts` (run with tsx); `text` and a bare
 *   fence are not code and must carry a `not-run` marker naming how they are checked.
 * - A documented answer is a comment right after a command: `# → <text>` in shell, `// → <text>` in TypeScript,
 *   continued on the next lines by `#    <text>` (`//    <text>`: the comment mark, then at least three spaces),
 *   the pieces joined without separators (JSON split over lines). `…` in an answer matches anything.
 *   A shell answer is what the commands since the previous answer printed, and must end that output (commands
 *   before the last one may print too); a TypeScript answer is one line the program printed, in order.
 * - An HTML comment on the line before a block (blank lines between allowed) changes how it is run:
 *   `<!-- readme-test: not-run <id>: <reason> -->`: the block is not run, because it cannot be inside a test (it
 *     starts a server in the foreground, streams forever, builds, shows output); the test must have a check
 *     registered under `<id>` that verifies the block another way, and every registered check must have its block.
 *   `<!-- readme-test: until-answered: <reason> -->`: the block is run again until its answers match (for answers
 *     that arrive asynchronously, as experiment results do once the pipeline has written the events); it must be
 *     safe to repeat. Only a hang-catching timeout bounds it.
 */

export type BlockKind = 'shell' | 'typescript' | 'output';

export interface ReadmeBlock {
  /** 1-based line of the opening fence, for messages. */
  readonly line: number;
  readonly info: string;
  readonly kind: BlockKind;
  readonly code: string;
  readonly marker: Marker | undefined;
}

export type Marker = { readonly type: 'not-run'; readonly id: string; readonly reason: string } | { readonly type: 'until-answered'; readonly reason: string };

/** A stretch of a shell block up to (and with) one documented answer; the last stretch may have none. */
export interface Step {
  readonly code: string;
  readonly answer: string | undefined;
  /** 1-based README line of the answer, for messages. */
  readonly line: number;
}

const FENCE_OPEN = /^```(\S*)\s*$/;
const FENCE_CLOSE = /^```\s*$/;
const MARKER = /^<!--\s*readme-test:\s*(.*?)\s*-->\s*$/;

export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  let pendingMarker: { marker: Marker; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const marker = MARKER.exec(line);
    if (marker) {
      if (pendingMarker) throw new Error(`README line ${pendingMarker.line}: a readme-test marker not followed by a code block`);
      pendingMarker = { marker: parseMarker(marker[1]!, i + 1), line: i + 1 };
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (!open) {
      if (pendingMarker && line.trim() !== '') throw new Error(`README line ${pendingMarker.line}: a readme-test marker not followed by a code block`);
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !FENCE_CLOSE.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`README line ${start + 1}: a code block that never closes`);
    const info = open[1]!;
    blocks.push({ line: start + 1, info, kind: kindOf(info, start + 1), code: body.join('\n'), marker: pendingMarker?.marker });
    pendingMarker = undefined;
  }
  if (pendingMarker) throw new Error(`README line ${pendingMarker.line}: a readme-test marker not followed by a code block`);
  return blocks;
}

function kindOf(info: string, line: number): BlockKind {
  if (info === 'sh' || info === 'bash') return 'shell';
  if (info === 'ts') return 'typescript';
  if (info === 'text' || info === '') return 'output';
  throw new Error(`README line ${line}: a code block of unknown kind "${info}" (sh, bash, ts, text or none)`);
}

function parseMarker(text: string, line: number): Marker {
  const notRun = /^not-run\s+([\w-]+):\s*(\S.*)$/.exec(text);
  if (notRun) return { type: 'not-run', id: notRun[1]!, reason: notRun[2]! };
  const until = /^until-answered:\s*(\S.*)$/.exec(text);
  if (until) return { type: 'until-answered', reason: until[1]! };
  throw new Error(`README line ${line}: a readme-test marker must be "not-run <id>: <reason>" or "until-answered: <reason>", not "${text}"`);
}

/** A shell block cut after each documented answer. */
export function shellSteps(block: ReadmeBlock): Step[] {
  const steps: Step[] = [];
  const lines = block.code.split('\n');
  let code: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const answer = /^\s*# → (.*)$/.exec(lines[i]!);
    if (!answer) {
      code.push(lines[i]!);
      continue;
    }
    const line = block.line + 1 + i;
    const { text, next } = continued(answer[1]!, lines, i + 1, /^\s*#\s{3,}(\S.*)$/);
    if (code.every((l) => l.trim() === '' || l.trim().startsWith('#'))) throw new Error(`README line ${line}: an answer with no command before it`);
    steps.push({ code: code.join('\n'), answer: text, line });
    code = [];
    i = next - 1;
  }
  if (code.some((l) => l.trim() !== '' && !l.trim().startsWith('#'))) steps.push({ code: code.join('\n'), answer: undefined, line: block.line });
  return steps;
}

/** The answers of a TypeScript block, in order, each one line of what the program prints. */
export function typescriptAnswers(block: ReadmeBlock): { answer: string; line: number }[] {
  const lines = block.code.split('\n');
  const answers: { answer: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const answer = /\/\/ → (.*)$/.exec(lines[i]!);
    if (!answer) continue;
    const { text, next } = continued(answer[1]!, lines, i + 1, /^\s*\/\/\s{3,}(\S.*)$/);
    answers.push({ answer: text, line: block.line + 1 + i });
    i = next - 1;
  }
  return answers;
}

function continued(first: string, lines: readonly string[], from: number, continuation: RegExp): { text: string; next: number } {
  let text = first.trim();
  let i = from;
  for (; i < lines.length; i++) {
    const more = continuation.exec(lines[i]!);
    if (!more) break;
    text += more[1]!.trim();
  }
  return { text, next: i };
}

/** Whether output ends with the documented answer, `…` matching anything (whitespace at either end ignored). */
export function endsWithAnswer(output: string, answer: string): boolean {
  return new RegExp(`${answerPattern(answer.trim())}$`).test(output.trim());
}

/** Whether one printed line is the documented answer, `…` matching anything. */
export function isAnswer(line: string, answer: string): boolean {
  return new RegExp(`^${answerPattern(answer.trim())}$`).test(line.trim());
}

function answerPattern(answer: string): string {
  return answer
    .split('…')
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
}

/** Whether a sample of output (an output block) appears in what a program printed, `…` matching anything. */
export function containsOutput(printed: string, sample: string): boolean {
  const pattern = sample
    .trim()
    .split('\n')
    .map((line) => answerPattern(line))
    .join('\\r?\\n');
  return new RegExp(pattern).test(printed);
}
