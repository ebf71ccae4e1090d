import type { RequestHandler } from 'express';

/**
 * What a browser may do with a page of the admin side (the web app, whose session holds an admin token, and
 * `/docs`): run only scripts served from here (no inline script, no eval), load styles, images and fonts from here
 * (images also as data: URIs, which Swagger UI's stylesheet uses), call only this origin, and be framed by nobody.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Sent with every response of the admin app, pages and JSON alike (a few header lines; a JSON response that is
 * not sniffed or framed is safer too). X-Frame-Options repeats frame-ancestors for browsers older than CSP 2.
 */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};
