import type { Command } from 'commander';
import { contextFor, path } from '../cli-context.ts';
import type { Io } from '../output.ts';
import { renderTable } from '../output.ts';

export interface SdkKey {
  id: string;
  name: string;
  environment: string;
  kind: string;
  revoked: boolean;
  createdAt: string;
  createdBy: string | null;
  /** The secret: in the creation answer only. */
  key?: string;
}

export interface AdminToken {
  id: string;
  name: string;
  role: string;
  revoked: boolean;
  createdAt: string;
  /** The secret: in the creation answer only. */
  token?: string;
}

/**
 * SDK keys and admin tokens (the admin role). The server keeps only a hash of each secret, so the secret is
 * printed once, when it is created, on a line of its own; lists never show it. Kinds and roles are checked by the
 * server, whose problem names the field (`#/kind`, `#/role`).
 */
export function accessCommands(program: Command, io: Io): void {
  const keys = program.command('keys').description('SDK keys: server keys (local evaluation, the snapshot) and client keys (remote evaluation)');
  keys
    .command('list')
    .description('every SDK key, revoked ones too (never their secrets)')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextFor(command, io);
      const listed = await client.get<{ apiKeys: SdkKey[] }>('/admin/api-keys');
      output.data(listed.body);
      output.line(renderSdkKeys(listed.body.apiKeys));
    });
  keys
    .command('create')
    .description('issue an SDK key for one environment; its secret is printed once')
    .requiredOption('--env <env>', 'the environment the key reads')
    .option('--kind <kind>', 'server (evaluates locally, reads the whole configuration) | client (asks the server to evaluate)', 'server')
    .option('--name <name>', 'what the key is for (default "<env> <kind> key")')
    .action(async (options: { env: string; kind: string; name?: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const created = await client.post<SdkKey>('/admin/api-keys', {
        body: { environment: options.env, kind: options.kind, ...(options.name === undefined ? {} : { name: options.name }) },
      });
      output.data(created.body);
      output.line(`Created ${created.body.kind} key ${created.body.id} (${created.body.name}) for ${created.body.environment}. Its secret, shown only now:`);
      output.line(created.body.key);
    });
  keys
    .command('revoke <id>')
    .description('revoke an SDK key: SDKs using it are refused from now on')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextFor(command, io);
      const revoked = await client.delete<SdkKey>(path('api-keys', id));
      output.data(revoked.body);
      output.line(`Revoked ${revoked.body.kind} key ${revoked.body.id} (${revoked.body.name}) of ${revoked.body.environment}`);
    });

  const tokens = program.command('tokens').description('admin tokens: who may use the admin API and the web app, with which role');
  tokens
    .command('list')
    .description('every admin token, revoked ones too (never their secrets)')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = contextFor(command, io);
      const listed = await client.get<{ tokens: AdminToken[] }>('/admin/tokens');
      output.data(listed.body);
      output.line(renderAdminTokens(listed.body.tokens));
    });
  tokens
    .command('create <name>')
    .description('issue an admin token; its secret is printed once (the audit log names its actor token:<name>)')
    .requiredOption('--role <role>', 'viewer (reads) | editor (changes flags, segments, experiments) | admin (also keys, tokens, environments)')
    .action(async (name: string, options: { role: string }, command: Command) => {
      const { client, output } = contextFor(command, io);
      const created = await client.post<AdminToken>('/admin/tokens', { body: { name, role: options.role } });
      output.data(created.body);
      output.line(`Created ${created.body.role} token ${created.body.id} (${created.body.name}). Its secret, shown only now:`);
      output.line(created.body.token);
    });
  tokens
    .command('revoke <id>')
    .description('revoke an admin token: requests bearing it are refused from now on')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { client, output } = contextFor(command, io);
      const revoked = await client.delete<AdminToken>(path('tokens', id));
      output.data(revoked.body);
      output.line(`Revoked ${revoked.body.role} token ${revoked.body.id} (${revoked.body.name})`);
    });
}

export function renderSdkKeys(keys: readonly SdkKey[]): string {
  if (keys.length === 0) return 'No SDK keys.';
  return renderTable(
    ['id', 'name', 'environment', 'kind', 'state', 'created', 'by'],
    keys.map((k) => [k.id, k.name, k.environment, k.kind, k.revoked ? 'revoked' : 'active', k.createdAt, k.createdBy]),
  );
}

export function renderAdminTokens(tokens: readonly AdminToken[]): string {
  if (tokens.length === 0) return 'No admin tokens.';
  return renderTable(['id', 'name', 'role', 'state', 'created'], tokens.map((t) => [t.id, t.name, t.role, t.revoked ? 'revoked' : 'active', t.createdAt]));
}
