import { useState, type FormEvent } from 'react';
import { useI18n } from '../../../lib/i18n/index.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { Icon } from '../../../components/icons.tsx';
import { useSignIn } from '../api/create-session.ts';

type Mode = 'account' | 'token';

/**
 * Email and password, or the admin token (for the first sign-in, before any account
 * exists). Either is sent once; the server answers with an HttpOnly cookie and nothing is kept.
 */
export function SignInPage() {
  const { t } = useI18n();
  const signIn = useSignIn();
  const [mode, setMode] = useState<Mode>('account');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mode === 'token') {
      if (!token.trim()) return;
      signIn.mutate({ token: token.trim() }, { onSettled: () => setToken('') });
    } else {
      if (!email.trim() || !password) return;
      signIn.mutate({ email: email.trim(), password }, { onSettled: () => setPassword('') });
    }
  };

  const switchTo = (next: Mode) => {
    setMode(next);
    signIn.reset();
  };

  const error = signIn.error;
  const message = !error ? ''
    : error instanceof ApiError && error.status === 429 ? t('signin.tooMany')
    : error instanceof ApiError && (error.status === 401 || error.status === 403) ? t(mode === 'token' ? 'signin.invalid' : 'signin.invalidAccount')
    : t('signin.failed', { message: error.message });

  return (
    <main className="signin">
      <div className="card signin-card">
        <div className="brand" style={{ padding: 0 }}><span className="brand-mark" />Periscope</div>
        <div>
          <h1>{t('signin.title')}</h1>
          <p className="muted" style={{ margin: '6px 0 0' }}>{t(mode === 'token' ? 'signin.subtitle' : 'signin.accountSubtitle')}</p>
        </div>
        <div className="segmented" role="tablist" aria-label={t('signin.method')} style={{ alignSelf: 'flex-start' }}>
          <button type="button" role="tab" aria-selected={mode === 'account'} aria-pressed={mode === 'account'} onClick={() => switchTo('account')}>{t('signin.withAccount')}</button>
          <button type="button" role="tab" aria-selected={mode === 'token'} aria-pressed={mode === 'token'} onClick={() => switchTo('token')}>{t('signin.withToken')}</button>
        </div>
        <form onSubmit={submit}>
          {mode === 'account' ? (
            <>
              <label className="field">
                <span>{t('signin.email')}</span>
                <input className="input" type="email" autoComplete="username" autoFocus required value={email}
                  onChange={(e) => setEmail(e.target.value)} aria-invalid={Boolean(message)} />
              </label>
              <label className="field">
                <span>{t('signin.password')}</span>
                <input className="input" type="password" autoComplete="current-password" required value={password}
                  onChange={(e) => setPassword(e.target.value)} aria-invalid={Boolean(message)} />
              </label>
            </>
          ) : (
            <label className="field">
              <span>{t('signin.tokenLabel')}</span>
              <input className="input" type="password" autoComplete="off" spellCheck={false} autoFocus required
                value={token} onChange={(e) => setToken(e.target.value)} placeholder="pat_…" aria-invalid={Boolean(message)}
                aria-describedby="signin-help" />
            </label>
          )}
          {message && <div className="form-error" role="alert">{message}</div>}
          <button type="submit" className="btn btn-primary" disabled={signIn.isPending} style={{ justifyContent: 'center' }}>
            <Icon name="lock" />{signIn.isPending ? t('signin.signingIn') : t('signin.submit')}
          </button>
        </form>
        <p id="signin-help" className="muted" style={{ margin: 0, fontSize: 12.5 }}>{t(mode === 'token' ? 'signin.help' : 'signin.accountHelp')}</p>
      </div>
    </main>
  );
}
