/** Sign-in with an API key: the key is checked with `viewer` before it is remembered. */
import { useState, type FormEvent } from 'react';
import { probeClient } from './client';
import { DashViewerDocument } from '../generated/graphql';
import { describeError } from '../ui/format';
import type { StoredKey } from './session';

export function SignIn({ onSignedIn, onCancel }: { onSignedIn(k: StoredKey): void; onCancel?: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const secret = key.trim().replace(/^Bearer\s+/i, '');
    if (!secret) return setError('Enter an API key.');
    setBusy(true);
    setError(undefined);
    const result = await probeClient(secret).query(DashViewerDocument, {}).toPromise();
    setBusy(false);
    if (result.error || !result.data) return setError(result.error ? describeError(result.error) : 'No answer from the server.');
    const { viewer } = result.data;
    setKey('');
    onSignedIn({ key: secret, workspaceId: viewer.workspace.id, workspaceName: viewer.workspace.name, apiKeyName: viewer.apiKeyName });
  };

  return (
    <section aria-labelledby="sign-in-title" className="card">
      <h1 id="sign-in-title">{onCancel ? 'Add an API key' : 'Sign in'}</h1>
      <p>
        Paste a Splitcast API key. It is kept in this browser tab only (session storage) and sent to this server in a
        header, never in a URL.
      </p>
      <form onSubmit={submit} method="post" noValidate>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? 'sign-in-error' : undefined} />
        {error && (
          <p id="sign-in-error" role="alert" className="error">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
          {onCancel && <button type="button" onClick={onCancel}>Cancel</button>}
        </div>
      </form>
    </section>
  );
}
