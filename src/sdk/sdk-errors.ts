/** A failure talking to the Flagstaff server: `status` is the HTTP status when the server answered. */
export class SdkHttpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SdkHttpError';
  }
}

/** 401 or 403: the key is unknown, revoked or not allowed this; asking again cannot change that. */
export function isAuthorizationFailure(error: unknown): error is SdkHttpError & { readonly status: 401 | 403 } {
  const status = (error as { status?: unknown } | undefined)?.status;
  return error instanceof SdkHttpError && (status === 401 || status === 403);
}
