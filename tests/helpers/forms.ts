// A browser without JavaScript, as far as the tests need one: a cookie jar and the server-action forms of a page.

/** A cookie jar just big enough for one browser's worth of Auth.js cookies. */
export class Jar {
  private cookies = new Map<string, string>();
  take(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = c.split(";");
      const i = pair.indexOf("=");
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (gone) this.cookies.delete(pair.slice(0, i));
      else this.cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  }
  header = () => [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  has = (part: string) => [...this.cookies.keys()].some((k) => k.includes(part));
}

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");

/** Submits a page's server-action form the way a browser without JavaScript does. */
export async function submitForm(url: string, fields: Record<string, string>, jar: Jar): Promise<Response> {
  const html = await (await fetch(url, { headers: { cookie: jar.header() } })).text();
  const form = /<form[^>]*>([\s\S]*?)<\/form>/.exec(html)![1]!;
  const data = new FormData();
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)"(?: value="([^"]*)")?\/>/g))
    data.append(decode(m[1]!), decode(m[2] ?? ""));
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  return jar.take(
    await fetch(url, {
      method: "POST",
      body: data,
      redirect: "manual",
      headers: { origin: new URL(url).origin, cookie: jar.header() },
    }),
  );
}

/** Signs in with email and password through Auth.js's own endpoints; the jar then holds the session cookie. */
export async function signInWithPassword(
  base: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<{ jar: Jar; res: Response }> {
  const jar = new Jar();
  const { csrfToken } = (await jar.take(await fetch(`${base}/api/auth/csrf`, { headers })).json()) as { csrfToken: string };
  const res = jar.take(
    await fetch(`${base}/api/auth/callback/credentials`, {
      method: "POST",
      redirect: "manual",
      headers: { ...headers, cookie: jar.header(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, password, csrfToken, callbackUrl: "/" }),
    }),
  );
  return { jar, res };
}
