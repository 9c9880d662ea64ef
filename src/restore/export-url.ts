// Whether restore may hand an export URL from a bundle to CDI's importer: the bundle is untrusted, the importer runs in the cluster.

import type { ExportLinks, ExportRecord } from '../bundle/index.ts';

/**
 * Host names of cloud metadata services (AWS, GCP, Azure, Alibaba, OpenStack use 169.254.169.254, covered as link-local):
 * a URL naming one could make the importer fetch the node's credentials into a volume.
 */
const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.azure.internal', '100.100.100.200', '[fd00:ec2::254]', 'instance-data', 'instance-data.ec2.internal']);

/** Why `host` (a URL's hostname, already normalised by the URL parser) is a loopback, link-local, unspecified or metadata address. */
export function forbiddenHostReason(hostname: string): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.has(host)) return 'a cloud metadata service';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  const v4 = ipv4Of(host);
  if (v4) {
    const [a, b] = v4;
    if (a === 127) return 'loopback';
    if (a === 169 && b === 254) return 'link-local (cloud metadata)';
    if (a === 0) return 'unspecified';
    return undefined;
  }
  if (host.startsWith('[')) {
    const v6 = host.slice(1, -1);
    if (v6 === '::1') return 'loopback';
    if (v6 === '::') return 'unspecified';
    if (/^fe[89ab][0-9a-f]:/.test(v6)) return 'link-local';
  }
  return undefined;
}

/** The octets of a dotted IPv4 host, or of an IPv4-mapped IPv6 one (`[::ffff:7f00:1]`). */
function ipv4Of(host: string): number[] | undefined {
  const dotted = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (dotted) return dotted.slice(1).map(Number);
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (mapped) {
    const high = parseInt(mapped[1] as string, 16);
    const low = parseInt(mapped[2] as string, 16);
    return [high >> 8, high & 255, low >> 8, low & 255];
  }
  return undefined;
}

/** Every URL a link set names (volumes and manifests). */
function urlsOf(links: ExportLinks): string[] {
  return [...links.volumes.flatMap((volume) => volume.formats.map((format) => format.url)), ...(links.manifests ?? []).map((manifest) => manifest.url)];
}

/**
 * Why restore must not import `volume` from `url`, an URL of `links` in `record`; undefined when it may. The URL must
 * be https, on the one host every URL of the record's link set names (so one tampered volume link cannot point
 * elsewhere), with the path KubeVirt's export server gives a volume (`…/volumes/<volume>/disk.img[.gz]`, or `disk.tar.gz` for a
 * filesystem volume), and not a
 * loopback, link-local or metadata address unless `allowedHosts` (`--allow-export-host`) names its host.
 */
export function exportUrlProblem(record: ExportRecord, links: ExportLinks, volume: string, url: string, allowedHosts: readonly string[]): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:') return `uses ${parsed.protocol.replace(/:$/, '')}, not https`;
  if (parsed.username !== '' || parsed.password !== '') return 'carries credentials';
  const hosts = new Set(urlsOf(links).map((other) => URL.parse(other)?.host ?? other));
  if (hosts.size !== 1) return `the export record names ${hosts.size} different hosts (${[...hosts].sort().join(', ')}); an export server has one`;
  const expectedPath = new RegExp(`/volumes/${escapeRegExp(encodeURIComponent(volume))}/disk\\.(img(\\.gz)?|tar\\.gz)$`);
  const namesExport = parsed.pathname.split('/').includes(record.exportName) || parsed.hostname.startsWith(`virt-export-${record.exportName}.`);
  if (!expectedPath.test(parsed.pathname) || !namesExport) {
    return `is not the export server's URL of volume ${volume} of export ${record.exportName}`;
  }
  const allowed = allowedHosts.includes(parsed.host) || allowedHosts.includes(parsed.hostname);
  const reason = forbiddenHostReason(parsed.hostname);
  if (reason && !allowed) return `names a ${reason} address (${parsed.host}); --allow-export-host ${parsed.host} allows it`;
  return undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
