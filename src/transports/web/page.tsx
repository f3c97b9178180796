// The status page itself (Hono JSX, rendered once): structure only. It carries no cluster data;
// ui/main.mjs fills it from the event stream once the token is accepted.

/** Security headers of the page and its files: only our own scripts, styles and connections. */
export function pageHeaders(): Record<string, string> {
  return {
    "content-security-policy":
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
  };
}

const Section = (props: { id: string; title: string; children?: unknown }) => (
  <section id={props.id} aria-labelledby={`${props.id}-title`} hidden>
    <h2 id={`${props.id}-title`}>{props.title}</h2>
    {props.children}
  </section>
);

const Page = () => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <title>cluster-exec status</title>
      <link rel="icon" href="data:," />
      <link rel="stylesheet" href="/ui/style.css" />
      <script type="module" src="/ui/main.mjs" />
    </head>
    <body>
      <header>
        <h1>cluster-exec</h1>
        <p>
          <span id="connection" role="status">
            Loading…
          </span>{" "}
          <span id="updated" />
        </p>
      </header>
      <main>
        <section id="login" aria-labelledby="login-title" hidden>
          <h2 id="login-title">A token is needed</h2>
          <p>
            Open the address <code>cluster-exec serve</code> printed (it carries the token after the{" "}
            <code>#</code>), or paste the token: the same one <code>/mcp</code> takes.
          </p>
          <form id="login-form">
            <label for="token">Token</label>
            <input id="token" name="token" type="password" autocomplete="off" required />
            <button type="submit">Open</button>
          </form>
          <p id="login-message" role="alert" />
        </section>
        <Section id="nodes" title="Nodes">
          <div id="node-list" class="cards" />
        </Section>
        <Section id="running" title="Running tasks">
          <p id="running-none">No task is running.</p>
          <div id="task-list" class="cards" />
        </Section>
        <Section id="recent" title="Recent runs">
          <p id="recent-none">No run yet.</p>
          {/* Scrolls sideways on a narrow screen; focusable so a keyboard can scroll it. */}
          <section
            id="recent-runs"
            class="scroll"
            aria-labelledby="recent-title"
            tabindex={0}
            hidden
          >
            <table id="recent-table">
              <thead>
                <tr>
                  <th scope="col">State</th>
                  <th scope="col">Exit</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Node</th>
                  <th scope="col">Requester</th>
                  <th scope="col">Started</th>
                  <th scope="col">Command</th>
                </tr>
              </thead>
              <tbody />
            </table>
          </section>
        </Section>
        <Section id="audit" title="Audit log (newest first)">
          <p id="audit-none">The audit log is empty.</p>
          <ol id="audit-list" class="audit" />
        </Section>
      </main>
      <footer>
        <p id="about">
          Live: updates arrive as server-sent events. The token stays in this tab (sessionStorage).{" "}
          <button type="button" id="forget" hidden>
            Forget the token
          </button>
        </p>
      </footer>
    </body>
  </html>
);

let rendered: string | undefined;

/** The page's HTML; the same bytes for everyone, so it is rendered once. */
export function renderPage(): string {
  if (rendered === undefined) {
    const html = (<Page />).toString();
    // Only an async component renders to a promise; this page has none.
    if (typeof html !== "string") throw new Error("status page: rendering went async");
    rendered = `<!doctype html>${html}`;
  }
  return rendered;
}
