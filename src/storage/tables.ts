// Azure Table Storage access: one client per table, batched writes (≤ 100 entities of one partition per
// transaction), paged reads, and a count of every entity written so tests and the bench can hold the
// collectors to "writes grow with change, not with tenant size".
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { type TableEntity, type TableEntityResult, type TransactionAction, TableClient, odata } from '@azure/data-tables';

export type Entity = TableEntity<Record<string, unknown>>;
export type StoredEntity = TableEntityResult<Record<string, unknown>>;

export const TABLES = ['state', 'runs', 'assignments', 'policies', 'activations', 'signins', 'admins', 'findings', 'outbox'] as const;
/** The deployment's own tables, beside the default tenant's: the registry of the other tenants (issue 20). */
export const REGISTRY_TABLES = ['tenants'] as const;
export type TableName = (typeof TABLES)[number] | (typeof REGISTRY_TABLES)[number];

/** Where tables live: a connection string (Azurite or a key) or an account endpoint with an Entra credential. */
export type StorageTarget =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableEndpoint: string; credential: TokenCredential; queueEndpoint?: string };

export interface StorageSettingsInput {
  AzureWebJobsStorage?: string;
  AzureWebJobsStorage__accountName?: string;
  AzureWebJobsStorage__tableServiceUri?: string;
  AzureWebJobsStorage__queueServiceUri?: string;
  AzureWebJobsStorage__clientId?: string;
  AzureWebJobsStorage__credential?: string;
}

/** Mirrors the Functions host: a connection string, or the identity-based `__accountName` / `__tableServiceUri` form. */
export function storageTargetFromSettings(settings: StorageSettingsInput): StorageTarget | undefined {
  const cs = settings.AzureWebJobsStorage?.trim();
  if (cs) return { kind: 'connectionString', connectionString: cs };
  const endpoint =
    settings.AzureWebJobsStorage__tableServiceUri?.trim() ||
    (settings.AzureWebJobsStorage__accountName?.trim() ? `https://${settings.AzureWebJobsStorage__accountName.trim()}.table.core.windows.net` : undefined);
  if (!endpoint) return undefined;
  const clientId = settings.AzureWebJobsStorage__clientId?.trim();
  const credential: TokenCredential =
    settings.AzureWebJobsStorage__credential?.trim().toLowerCase() === 'managedidentity' || clientId
      ? new ManagedIdentityCredential(clientId ? { clientId } : {})
      : new DefaultAzureCredential();
  const account = settings.AzureWebJobsStorage__accountName?.trim();
  const queueEndpoint = settings.AzureWebJobsStorage__queueServiceUri?.trim() || (account ? `https://${account}.queue.core.windows.net` : undefined);
  return { kind: 'identity', tableEndpoint: endpoint, credential, ...(queueEndpoint ? { queueEndpoint } : {}) };
}

function isLoopback(connectionString: string): boolean {
  return /UseDevelopmentStorage=true/i.test(connectionString) || /=(http:\/\/)(127\.0\.0\.1|localhost)/i.test(connectionString);
}

export class TableStore {
  private clients = new Map<string, TableClient>();
  private parent?: TableStore;
  /** Entities written (upserted or deleted) since creation. */
  writes = 0;
  /** Per-table breakdown of `writes`. */
  readonly writesByTable = new Map<string, number>();

  constructor(
    readonly target: StorageTarget,
    readonly prefix = 'mfamon',
  ) {}

  /** Another set of tables on the same storage: a registered tenant's (prefix from core/tenants.ts). */
  withPrefix(prefix: string): TableStore {
    return new TableStore(this.target, prefix);
  }

  /** The same tables with a write counter of their own (runs in parallel each count their own writes). */
  scoped(): TableStore {
    const child = new TableStore(this.target, this.prefix);
    child.clients = this.clients;
    child.parent = this;
    return child;
  }

  private count(table: string, n: number): void {
    this.writes += n;
    this.writesByTable.set(table, (this.writesByTable.get(table) ?? 0) + n);
    this.parent?.count(table, n);
  }

  tableName(name: TableName): string {
    return `${this.prefix}${name}`;
  }

  client(name: TableName): TableClient {
    let client = this.clients.get(name);
    if (!client) {
      const table = this.tableName(name);
      client =
        this.target.kind === 'connectionString'
          ? TableClient.fromConnectionString(this.target.connectionString, table, { allowInsecureConnection: isLoopback(this.target.connectionString) })
          : new TableClient(this.target.tableEndpoint, table, this.target.credential);
      this.clients.set(name, client);
    }
    return client;
  }

  /** Creates the monitor's tables if missing (idempotent); the registry only where asked (the deployment's prefix). */
  async ensureTables(tables: readonly TableName[] = TABLES): Promise<void> {
    await Promise.all(tables.map((t) => this.client(t).createTable()));
  }

  async get(table: TableName, partitionKey: string, rowKey: string): Promise<StoredEntity | undefined> {
    try {
      return await this.client(table).getEntity<Record<string, unknown>>(partitionKey, rowKey);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /**
   * Every entity of a partition, optionally only row keys in [fromRow, toRow) and only those matching `where`
   * (an `odata`-tagged condition on other properties, applied by the service).
   */
  async *partition(table: TableName, partitionKey: string, range: { fromRow?: string; toRow?: string; select?: string[]; where?: string } = {}): AsyncIterable<StoredEntity> {
    let filter = odata`PartitionKey eq ${partitionKey}`;
    if (range.fromRow !== undefined) filter += ` and ${odata`RowKey ge ${range.fromRow}`}`;
    if (range.toRow !== undefined) filter += ` and ${odata`RowKey lt ${range.toRow}`}`;
    if (range.where !== undefined) filter += ` and (${range.where})`;
    yield* this.client(table).listEntities<Record<string, unknown>>({ queryOptions: { filter, ...(range.select ? { select: range.select } : {}) } });
  }

  /** One page of a query and the token for the next (the history API's continuation). */
  async page(table: TableName, filter: string, top: number, continuationToken?: string): Promise<{ items: StoredEntity[]; continuationToken?: string }> {
    const iterator = this.client(table)
      .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
      .byPage({ maxPageSize: top, ...(continuationToken ? { continuationToken } : {}) });
    const next = await iterator.next();
    if (next.done) return { items: [] };
    const page = next.value;
    const token = (page as { continuationToken?: string }).continuationToken;
    return { items: [...page], ...(token ? { continuationToken: token } : {}) };
  }

  /**
   * Upserts (replace) and deletes in transactions of at most 100 entities of one partition. Each
   * transaction is atomic; a failure throws after the transactions before it were committed, which callers
   * design for (state before history, watermark last).
   */
  async write(table: TableName, upserts: readonly Entity[], deletes: ReadonlyArray<{ partitionKey: string; rowKey: string }> = []): Promise<number> {
    const byPartition = new Map<string, TransactionAction[]>();
    const push = (pk: string, action: TransactionAction): void => {
      let list = byPartition.get(pk);
      if (!list) byPartition.set(pk, (list = []));
      list.push(action);
    };
    const seen = new Set<string>();
    for (const entity of upserts) {
      const key = `${entity.partitionKey}\u0000${entity.rowKey}`;
      if (seen.has(key)) throw new Error(`duplicate entity ${entity.partitionKey}/${entity.rowKey} in one write to ${table}`);
      seen.add(key);
      push(entity.partitionKey, ['upsert', entity, 'Replace']);
    }
    for (const key of deletes) push(key.partitionKey, ['delete', { partitionKey: key.partitionKey, rowKey: key.rowKey }]);
    let written = 0;
    const client = this.client(table);
    for (const actions of byPartition.values()) {
      for (let i = 0; i < actions.length; i += 100) {
        const chunk = actions.slice(i, i + 100);
        if (chunk.length === 1) {
          const [kind, entity] = chunk[0] as TransactionAction;
          if (kind === 'delete') await this.deleteOne(client, entity.partitionKey, entity.rowKey);
          else await client.upsertEntity(entity as Entity, 'Replace');
        } else {
          await client.submitTransaction(chunk);
        }
        written += chunk.length;
      }
    }
    this.count(table, written);
    return written;
  }

  private async deleteOne(client: TableClient, partitionKey: string, rowKey: string): Promise<void> {
    try {
      await client.deleteEntity(partitionKey, rowKey);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
}
