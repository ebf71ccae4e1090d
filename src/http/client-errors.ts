import type { Socket } from 'node:net';
import { toProblem } from './problem.ts';
import { FlagstaffError } from '../shared/errors.ts';

/** What node:http's parser gives up on before any handler runs, and the status each deserves. */
const STATUS_OF: Record<string, { status: number; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, detail: 'The request headers are larger than the server accepts (16 KiB)' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, detail: 'The request was not received within the request timeout' },
};

class UnparsableRequestError extends FlagstaffError {
  readonly type = 'unparsable-request';
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * node:http answers a request it cannot parse (headers over 16 KiB, a malformed request line, a timeout before the
 * headers end) itself, with an empty body. Answer it as every other refusal is answered: an RFC 9457 problem. The
 * connection cannot be trusted to carry another request, so it is closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // As node:http's own handler: never write into a response already under way (it would corrupt it).
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const known = STATUS_OF[error.code ?? ''] ?? { status: 400, detail: 'The request could not be parsed as HTTP/1.1' };
  const problem = toProblem(new UnparsableRequestError(known.status, known.detail));
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-content-type-options: nosniff\r\nconnection: close\r\n\r\n${body}`,
  );
}
