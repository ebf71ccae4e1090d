import express, { type RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../shared/errors.ts';
import { parseJsonBody } from '../shared/json-text.ts';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Admin request bodies: read as text by body-parser (which applies the size limit and any Content-Encoding;
 * the charset must be UTF-8), then parsed by the one JSON body parser the read API uses too, so both refuse the same
 * hostile JSON (src/shared/json-text.ts). An empty JSON body reads as `{}`, as express.json read it.
 */
export function jsonBody(limit: string | number): RequestHandler[] {
  return [
    (req, _res, next) => {
      if (req.is(JSON_TYPES)) assertUtf8(req.headers['content-type']); // only a JSON body has a charset to check
      next();
    },
    express.text({ limit, type: JSON_TYPES }),
    (req, _res, next) => {
      if (typeof req.body === 'string') req.body = req.body === '' ? {} : parseJsonBody(req.body);
      next();
    },
  ];
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/** JSON exchanged between systems is UTF-8 (RFC 8259, section 8.1): another declared charset is a 415. */
export function assertUtf8(contentType: string | undefined): void {
  const charset = CHARSET.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new UnsupportedMediaTypeError(`JSON is sent as UTF-8, not ${charset}`);
}
