import { createApiToken, listApiTokens, revokeApiToken } from '../auth/api-tokens';
import { pageNumber, shortTime, slicePage } from './forms';
import { FieldError, Pager } from './layout';
import type { DashboardPage, PageContext, PageKit } from './page-module';

function tokensView(kit: PageKit, c: PageContext, view: { name?: string; error?: string; created?: string }) {
  const all = listApiTokens(c.get('ctx').db).reverse();
  const slice = slicePage(all, pageNumber(c.req.query('page')));
  return kit.render(c, {
    title: 'API tokens',
    status: view.error ? 400 : 200,
    body: (
      <>
        {view.created ? (
          <section class="card" aria-labelledby="new-token">
            <h2 id="new-token">Your new token</h2>
            <p>Copy it now: it is stored hashed and cannot be shown again.</p>
            <p class="token" data-field="new-token">
              {view.created}
            </p>
          </section>
        ) : null}
        <section class="card" aria-labelledby="create-heading">
          <h2 id="create-heading">Create a token</h2>
          <form class="row" method="post" action="/tokens" novalidate>
            {kit.csrfField(c)}
            <div>
              <label for="token-name">Name (who or what uses it)</label>
              <input
                id="token-name"
                name="name"
                required
                maxlength={100}
                value={view.name ?? ''}
                aria-invalid={view.error ? 'true' : undefined}
                aria-describedby={view.error ? 'token-name-error' : undefined}
              />
              <FieldError id="token-name-error" message={view.error} />
            </div>
            <button type="submit">Create token</button>
          </form>
        </section>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">
                <span class="muted">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {slice.items.map((t) => (
              <tr>
                <td>{t.name}</td>
                <td>{shortTime(t.createdAt)}</td>
                <td>{shortTime(t.lastUsedAt)}</td>
                <td>
                  {t.revokedAt ? (
                    <span class="badge muted">{`revoked ${shortTime(t.revokedAt)}`}</span>
                  ) : (
                    <span class="badge ok">active</span>
                  )}
                </td>
                <td>
                  {t.revokedAt ? null : (
                    <form
                      class="inline"
                      method="post"
                      action="/tokens/revoke"
                      data-confirm={`Revoke "${t.name}"? Scripts using it stop working at once.`}
                    >
                      {kit.csrfField(c)}
                      <input type="hidden" name="name" value={t.name} />
                      <button type="submit" class="danger" aria-label={`Revoke ${t.name}`}>
                        Revoke
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager page={slice.page} pages={slice.pages} total={slice.total} href={(p) => `/tokens?page=${p}`} />
      </>
    ),
  });
}

/** `/tokens`: REST API tokens listed, created (shown once) and revoked. */
export const tokensPage: DashboardPage = {
  name: 'tokens',
  nav: { label: 'API tokens', path: '/tokens' },
  register(kit) {
    kit.get('/tokens', (c) => tokensView(kit, c, {}));

    kit.post('/tokens', async (c) => {
      const ctx = c.get('ctx');
      const name = ((await kit.form(c)).name ?? '').trim();
      if (!name || name.length > 100) {
        return tokensView(kit, c, { name, error: 'Give the token a name of 1 to 100 characters' });
      }
      let created: ReturnType<typeof createApiToken>;
      try {
        created = createApiToken(ctx.db, name);
      } catch (error) {
        return tokensView(kit, c, { name, error: (error as Error).message });
      }
      ctx.audit.record({
        actor: `user:${kit.user(c)}`,
        action: 'api_token.create',
        target: created.info.name,
        outcome: 'success',
      });
      return tokensView(kit, c, { created: created.token });
    });

    kit.post('/tokens/revoke', async (c) => {
      const ctx = c.get('ctx');
      const name = (await kit.form(c)).name ?? '';
      const revoked = revokeApiToken(ctx.db, name);
      ctx.audit.record({
        actor: `user:${kit.user(c)}`,
        action: 'api_token.revoke',
        target: name.slice(0, 100),
        outcome: revoked ? 'success' : 'failure',
      });
      return kit.redirect(c, '/tokens', {
        kind: revoked ? 'ok' : 'error',
        text: revoked ? `Token "${name}" revoked` : `No active token named "${name}"`,
      });
    });
  },
};
