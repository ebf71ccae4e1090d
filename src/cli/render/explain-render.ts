import type { ConditionTrace, TraceStep } from '../../evaluation/explain.ts';
import type { Serve } from '../../shared/targeting.ts';
import { brief } from '../output.ts';

export interface ExplainAnswer {
  flagKey: string;
  environment: string;
  asOf: { position: number; time: string | null; flagVersion: number | null; archived: boolean | null };
  context: Record<string, unknown>;
  result: { value: unknown; variant?: string; reason: string; ruleId?: string; errorCode?: string; revision: number; experimentKey?: string };
  trace: TraceStep[];
}

/** The result on one line, then the trace as the engine walked it: ✓ held, ✗ did not, · not reached. */
export function renderExplanation(answer: ExplainAnswer): string {
  const { result, asOf } = answer;
  const lines: string[] = [];
  const served = result.variant === undefined ? `default value ${brief(result.value)}` : `${result.variant} (${brief(result.value)})`;
  const extras = [
    `reason ${result.reason}`,
    result.ruleId ? `rule ${result.ruleId}` : undefined,
    result.experimentKey ? `experiment ${result.experimentKey}` : undefined,
    result.errorCode ? `error ${result.errorCode}` : undefined,
    `revision ${result.revision}`,
  ].filter(Boolean);
  lines.push(`${answer.flagKey} in ${answer.environment} → ${served}`);
  lines.push(`  ${extras.join(', ')}`);
  lines.push(`  as of position ${asOf.position}${asOf.time ? ` (${asOf.time})` : ''}${asOf.flagVersion !== null ? `, flag version ${asOf.flagVersion}` : ''}${asOf.archived ? ', archived' : ''}`);
  lines.push(`  context ${JSON.stringify(answer.context)}`);
  lines.push('');
  lines.push('Trace:');
  lines.push(...traceLines(answer.trace, '  '));
  return lines.join('\n');
}

function mark(held: boolean | null): string {
  return held === null ? '·' : held ? '✓' : '✗';
}

function traceLines(trace: readonly TraceStep[], indent: string): string[] {
  const lines: string[] = [];
  for (const step of trace) {
    switch (step.step) {
      case 'flag':
      case 'enabled':
        lines.push(`${indent}${mark(step.held)} ${step.step}: ${step.detail}`);
        break;
      case 'prerequisite':
        lines.push(`${indent}${mark(step.held)} prerequisite ${step.flagKey} must serve ${step.requiredVariant}, serves ${step.servedVariant ?? 'nothing'}: ${step.detail}`);
        if (step.trace) lines.push(...traceLines(step.trace, `${indent}    `));
        break;
      case 'targets':
        lines.push(`${indent}${mark(step.held)} individual targets (${step.attribute} = ${step.unit ?? 'missing'}): ${step.detail}`);
        break;
      case 'experiment':
        lines.push(`${indent}${mark(step.held)} experiment ${step.experimentKey}: ${step.detail}`);
        lines.push(...step.audience.map((c) => conditionLine(c, `${indent}    `)));
        break;
      case 'rule':
        if (step.held === null) lines.push(`${indent}· rule ${step.ruleId}: ${step.detail}`);
        else {
          lines.push(`${indent}${mark(step.held)} rule ${step.ruleId}`);
          lines.push(...step.conditions.map((c) => conditionLine(c, `${indent}    `)));
        }
        break;
      case 'serve':
        lines.push(`${indent}→ serve ${serveText(step.serve)} from ${step.from === 'rule' ? `rule ${step.ruleId}` : 'the default'}${step.bucket !== undefined ? `, bucket ${step.bucket}` : ''}${step.variant ? `: ${step.variant}` : ''} (${step.detail})`);
        break;
      default: {
        const unknown: never = step;
        lines.push(`${indent}? ${JSON.stringify(unknown)}`);
      }
    }
  }
  return lines;
}

/** The actual value as JSON: "30" and 30 compare differently under gt/lt, so the reader must see which it was. */
function conditionLine(c: ConditionTrace, indent: string): string {
  const subject = c.attribute ?? 'unit';
  const values = c.values.length === 0 ? '' : ` ${brief(c.values, 50)}`;
  const segments = c.segments ? ` — ${c.segments.map((s) => `${s.key}: ${s.why}`).join('; ')}` : '';
  return `${indent}${mark(c.held)} ${subject} ${c.operator}${values} (actual ${c.actual === null ? 'missing' : brief(JSON.stringify(c.actual), 40)})${segments}`;
}

export function serveText(serve: Serve): string {
  if ('variant' in serve) return serve.variant;
  return serve.split.map((part) => `${part.variant} ${Number(((part.weight / 100_000) * 100).toFixed(3))}%`).join(' / ');
}
