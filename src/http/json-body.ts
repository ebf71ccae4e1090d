import express, { type RequestHandler } from 'express';
import { parseJsonBody } from '../shared/json-text.ts';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Admin request bodies: read as text by body-parser (which applies the size limit, the charset and any
 * Content-Encoding), then parsed by the one JSON body parser the read API uses too, so both refuse the same
 * hostile JSON (src/shared/json-text.ts). An empty JSON body reads as `{}`, as express.json read it.
 */
export function jsonBody(limit: string | number): RequestHandler[] {
  return [
    express.text({ limit, type: JSON_TYPES }),
    (req, _res, next) => {
      if (typeof req.body === 'string') req.body = req.body === '' ? {} : parseJsonBody(req.body);
      next();
    },
  ];
}
