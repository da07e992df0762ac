import { useState } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { I18nProvider, useI18n } from '../lib/i18n/index.tsx';
import { ErrorState } from '../components/states.tsx';
import { useAuthSession } from '../features/auth/api/get-session.ts';
import { SignInPage } from '../features/auth/components/sign-in-page.tsx';
import { createQueryClient } from './query-client.ts';
import { Shell } from './shell.tsx';

/** Signed in → the app, as whom the session says; not → the sign-in screen. Nothing else renders before the answer. */
function AuthGate() {
  const { t } = useI18n();
  const session = useAuthSession();
  if (session.isPending) return <div className="signin" role="status" aria-label={t('state.loading')}><span className="brand-mark" /></div>;
  if (session.isError) return <div className="signin"><div className="card"><ErrorState error={session.error} onRetry={() => void session.refetch()} /></div></div>;
  return session.data.authenticated ? <Shell me={session.data} /> : <SignInPage />;
}

export function App() {
  const [client] = useState(createQueryClient);
  return (
    <QueryClientProvider client={client}>
      <I18nProvider>
        <AuthGate />
      </I18nProvider>
    </QueryClientProvider>
  );
}
