import { useState, type FormEvent } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { Icon } from '../../../components/icons.tsx';
import { useSignIn } from '../api/create-session.ts';

/** Asks for the admin token once; the server answers with an HttpOnly cookie. */
export function SignInPage() {
  const { t } = useI18n();
  const signIn = useSignIn();
  const [token, setToken] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!token.trim()) return;
    signIn.mutate(token.trim(), { onSettled: () => setToken('') });
  };

  const error = signIn.error;
  const message = !error ? '' : error instanceof ApiError && (error.status === 401 || error.status === 403) ? t('signin.invalid') : t('signin.failed', { message: error.message });

  return (
    <main className="signin">
      <div className="card signin-card">
        <div className="brand" style={{ padding: 0 }}><span className="brand-mark" />Periscope</div>
        <div>
          <h1>{t('signin.title')}</h1>
          <p className="muted" style={{ margin: '6px 0 0' }}>{t('signin.subtitle')}</p>
        </div>
        <form onSubmit={submit}>
          <label className="field">
            <span>{t('signin.tokenLabel')}</span>
            <input className="input" type="password" autoComplete="off" spellCheck={false} autoFocus required
              value={token} onChange={(e) => setToken(e.target.value)} placeholder="pat_…" aria-invalid={Boolean(message)}
              aria-describedby="signin-help" />
          </label>
          {message && <div className="form-error" role="alert">{message}</div>}
          <button type="submit" className="btn btn-primary" disabled={signIn.isPending} style={{ justifyContent: 'center' }}>
            <Icon name="lock" />{signIn.isPending ? t('signin.signingIn') : t('signin.submit')}
          </button>
        </form>
        <p id="signin-help" className="muted" style={{ margin: 0, fontSize: 12.5 }}>{t('signin.help')}</p>
      </div>
    </main>
  );
}
