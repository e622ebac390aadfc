import { newId } from '../shared/ids';
import { Entity, Enum, PrimaryKey, Property, ManyToOne, OptionalProps } from '@mikro-orm/core';
import { Workspace } from './workspace.entity';
import { ApiScope } from '../shared/auth';


@Entity({ tableName: 'api_keys' })
export class ApiKey {
  /** Properties with defaults: optional in `em.create()`. */
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Workspace, { mapToPk: true, fieldName: 'workspace_id' })
  workspaceId!: string;

  @Property({ type: 'text' })
  name!: string;

  /** First characters of the key, kept to help people recognise a key in lists and logs. */
  @Property({ type: 'text' })
  prefix!: string;

  /** SHA-256 of the whole key (see shared/auth.ts for why a fast hash is right here). */
  @Property({ type: 'text' })
  keyHash!: string;

  @Enum({ items: () => ApiScope, array: true })
  scopes!: ApiScope[];

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;
}
