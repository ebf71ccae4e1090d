/** The real PostgreSQL the end-to-end tests use (infra/up.sh makes sure it runs). */
export function testDatabaseUrl(): string {
  return process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}
