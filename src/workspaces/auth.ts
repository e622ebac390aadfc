import type { ApiScope } from './api-key.entity';

/** Who is calling: resolved from the API key once per request (or per WebSocket connection). */
export interface AuthInfo {
  workspaceId: string;
  apiKeyId: string;
  apiKeyName: string;
  scopes: ApiScope[];
}
