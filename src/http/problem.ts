import type { ErrorRequestHandler, RequestHandler } from 'express';
import { EventStoreUnavailableError } from '../event-store/event-store.ts';
import {
  BadRequestError,
  FlagstaffError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
  type FieldIssue,
} from '../shared/errors.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: readonly FieldIssue[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The one place errors become RFC 9457 problems. Anything unexpected is a 500 that reveals nothing internal. */
export function toProblem(error: unknown, instance?: string): Problem {
  const known = asFlagstaffError(error);
  if (!known) {
    return { type: 'about:blank', title: TITLES[500]!, status: 500, detail: 'An unexpected error occurred', ...(instance ? { instance } : {}) };
  }
  return {
    type: `urn:flagstaff:problem:${known.type}`,
    title: TITLES[known.status] ?? 'Error',
    status: known.status,
    detail: known.message,
    ...(instance ? { instance } : {}),
    ...(known.issues.length > 0 ? { errors: known.issues } : {}),
  };
}

function asFlagstaffError(error: unknown): FlagstaffError | undefined {
  if (error instanceof FlagstaffError) return error;
  if (error instanceof EventStoreUnavailableError) return new ServiceUnavailableError('The event store is unavailable; retry shortly');
  // body-parser's errors carry a `type` and a status.
  const e = error as { type?: string; status?: number; limit?: number };
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError(`The request body is larger than the limit of ${e.limit} bytes`);
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new UnsupportedMediaTypeError('Unsupported body encoding');
  // Anything else express's parts mark 400: a corrupt gzip/deflate/br body or one cut short (body-parser), a
  // path parameter that is not valid percent-encoding (router).
  // The path is not a field of the body: `#`, as for a header, with the detail saying which part is at fault.
  if (e?.status === 400 && error instanceof URIError) return new BadRequestError(`A path parameter is not valid percent-encoding: ${error.message}`, [{ pointer: '#', detail: 'the path has a parameter that is not valid percent-encoding' }]);
  if (e?.status === 400 && e instanceof Error) return new BadRequestError(`The request body could not be read: ${e.message}`, [{ pointer: '#', detail: 'could not be read' }]);
  return undefined;
}

export function sendProblem(res: Parameters<RequestHandler>[1], problem: Problem): void {
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

/** Where the admin app reports what it could not handle: the service's logger, or stderr without one. */
export interface ProblemLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

const stderrLog: ProblemLog = {
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};

export function problemHandler(log: ProblemLog = stderrLog): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = toProblem(error, req.originalUrl);
    const where = { method: req.method, path: req.originalUrl, requestId: res.locals['correlationId'] };
    if (error instanceof EventStoreUnavailableError) log.warn({ ...where, err: error.message }, 'event store unavailable');
    else if (problem.status >= 500 && !(error instanceof FlagstaffError)) log.error({ ...where, err: (error as Error)?.stack ?? String(error) }, 'unexpected error');
    if (problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    if (error instanceof FlagstaffError) for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    sendProblem(res, problem);
  };
}
