import { SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  readonly enabled: boolean;
  readonly tracer: Tracer;
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry tracing, off unless configured (FLAGSTAFF_TRACING=otlp: spans go to OTEL_EXPORTER_OTLP_ENDPOINT,
 * default http://localhost:4318, as OpenTelemetry's own variables say). Off, the API's no-op tracer costs nothing
 * measurable, and the SDK is not even loaded (it and its exporter hold megabytes of code a process need not carry).
 * Tests pass their own exporter (in memory) to see the spans.
 */
export async function startTracing(options: { mode: 'off' | 'otlp'; exporter?: SpanExporter }): Promise<Tracing> {
  if (options.mode === 'off' && !options.exporter) return { enabled: false, tracer: trace.getTracer('flagstaff'), shutdown: async () => {} };
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor, SimpleSpanProcessor }, { NodeTracerProvider }, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const processor = options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'flagstaff' }), spanProcessors: [processor] });
  // The context manager (AsyncLocalStorage) makes spans started deeper in a request its children.
  provider.register();
  return {
    enabled: true,
    tracer: provider.getTracer('flagstaff'),
    shutdown: () => provider.shutdown(),
  };
}

/** Runs `work` in a child span of the active one, recording a failure on it. */
export async function inSpan<T>(tracer: Tracer, name: string, attributes: Record<string, string | number>, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
