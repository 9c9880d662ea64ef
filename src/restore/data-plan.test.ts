import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExportRecord } from '../bundle/index.ts';
import type { KubeObject } from '../model/kube-object.ts';
import { contentTypeOf, planData } from './data-plan.ts';

const dv: KubeObject = {
  apiVersion: 'cdi.kubevirt.io/v1beta1',
  kind: 'DataVolume',
  metadata: { name: 'disk', namespace: 'new', annotations: { 'cdi.kubevirt.io/storage.prePopulated': 'disk' } },
  spec: { source: { http: { url: 'http://old' } }, storage: { resources: { requests: { storage: '1Gi' } } } },
};
const dvPvc: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'disk', namespace: 'new', annotations: { 'cdi.kubevirt.io/storage.populatedFor': 'disk' } }, spec: {} };
const lonePvc: KubeObject = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'lone', namespace: 'new', labels: { a: 'b' } },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, dataSourceRef: { kind: 'VolumeImportSource', name: 'x' } },
};
const vm: KubeObject = {
  apiVersion: 'kubevirt.io/v1',
  kind: 'VirtualMachine',
  metadata: { name: 'vm', namespace: 'new' },
  spec: { dataVolumeTemplates: [{ metadata: { name: 'root' }, spec: { sourceRef: { kind: 'DataSource', name: 'fedora' }, storage: {} } }] },
};
const EXPORT_BASE = 'https://x/api/export.kubevirt.io/v1/namespaces/old/virtualmachineexports/e';
const record = (volumes: string[], extra: Partial<ExportRecord> = {}): ExportRecord => ({
  namespace: 'old',
  vmName: 'vm',
  exportName: 'e',
  phase: 'Ready',
  links: { external: { cert: 'PEM', volumes: volumes.map((name) => ({ name, formats: [{ format: 'raw', url: `${EXPORT_BASE}/volumes/${name}/disk.img` }, { format: 'gzip', url: `${EXPORT_BASE}/volumes/${name}/disk.img.gz` }] })), manifests: [] } },
  data: volumes.map((volume) => ({ volume, format: 'gzip' as const, path: `data/old/${volume}/disk.img.gz`, size: 3 })),
  ...extra,
});
const mapNamespace = (namespace: string) => (namespace === 'old' ? 'new' : namespace);
const find = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('planData', () => {
  it('bundle: DataVolumes and dataVolumeTemplates get an upload source, lose prePopulated, and their PVC is dropped', () => {
    const plan = planData({ mode: 'bundle', objects: [dv, dvPvc, vm], exports: [record(['disk', 'root'])], mapNamespace });
    const restored = find(plan.objects, 'DataVolume', 'disk') as KubeObject;
    assert.deepEqual((restored.spec as Record<string, unknown>).source, { upload: {} });
    assert.equal(restored.metadata.annotations, undefined);
    assert.equal(find(plan.objects, 'PersistentVolumeClaim', 'disk'), undefined);
    const template = ((find(plan.objects, 'VirtualMachine', 'vm') as KubeObject).spec as { dataVolumeTemplates: { spec: Record<string, unknown> }[] }).dataVolumeTemplates[0];
    assert.deepEqual(template?.spec, { storage: {}, source: { upload: {} } });
    assert.deepEqual(plan.uploads, [
      { entryNamespace: 'old', entryVolume: 'disk', namespace: 'new', name: 'disk', contentType: 'kubevirt' },
      { entryNamespace: 'old', entryVolume: 'root', namespace: 'new', name: 'root', contentType: 'kubevirt' },
    ]);
  });

  it('bundle: a PVC without a DataVolume becomes an upload DataVolume of the same name and spec', () => {
    const plan = planData({ mode: 'bundle', objects: [lonePvc], exports: [record(['lone'])], mapNamespace });
    assert.equal(find(plan.objects, 'PersistentVolumeClaim', 'lone'), undefined);
    assert.deepEqual(find(plan.objects, 'DataVolume', 'lone'), {
      apiVersion: 'cdi.kubevirt.io/v1beta1',
      kind: 'DataVolume',
      metadata: { name: 'lone', namespace: 'new', labels: { a: 'b' } },
      spec: { source: { upload: {} }, pvc: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } },
    });
  });

  it('export-url: an http source with the CA ConfigMap and the token header Secret, gzip preferred', () => {
    const plan = planData({ mode: 'export-url', objects: [dv], exports: [record(['disk'], { token: 'T' })], mapNamespace });
    assert.deepEqual((find(plan.objects, 'DataVolume', 'disk')?.spec as Record<string, unknown>).source, {
      http: { url: `${EXPORT_BASE}/volumes/disk/disk.img.gz`, secretExtraHeaders: ['kvbackup-export-token-vm'], certConfigMap: 'kvbackup-export-ca-vm' },
    });
    assert.deepEqual(find(plan.objects, 'Secret', 'kvbackup-export-token-vm')?.stringData, { token: 'x-kubevirt-export-token:T' });
    assert.deepEqual(find(plan.objects, 'ConfigMap', 'kvbackup-export-ca-vm')?.data, { 'ca.pem': 'PEM' });
    assert.deepEqual(plan.imports, [{ namespace: 'new', name: 'disk', contentType: 'kubevirt', url: `${EXPORT_BASE}/volumes/disk/disk.img.gz` }]);
  });

  it('export-url refuses URLs a hostile bundle could point anywhere: http, other hosts, other paths, metadata and loopback', () => {
    const withUrl = (url: string, extraVolumeUrl?: string): ExportRecord => {
      const base = record(['disk'], { token: 'T' });
      const links = base.links.external;
      if (!links) throw new Error('fixture');
      const volumes = [{ name: 'disk', formats: [{ format: 'gzip' as const, url }] }, ...(extraVolumeUrl ? [{ name: 'other', formats: [{ format: 'gzip' as const, url: extraVolumeUrl }] }] : [])];
      return { ...base, links: { external: { ...links, volumes } } };
    };
    const refused = (url: string, reason: RegExp, extra?: string, allowed: string[] = []) =>
      assert.throws(() => planData({ mode: 'export-url', objects: [dv], exports: [withUrl(url, extra)], mapNamespace, allowedExportHosts: allowed }), reason, url);
    refused('http://x/api/export.kubevirt.io/v1/namespaces/old/virtualmachineexports/e/volumes/disk/disk.img.gz', /uses http, not https/);
    refused('https://169.254.169.254/latest/meta-data/iam/volumes/disk/disk.img.gz', /not the export server's URL/);
    refused('https://169.254.169.254/e/volumes/disk/disk.img.gz', /link-local/);
    refused('https://[::ffff:a9fe:a9fe]/e/volumes/disk/disk.img.gz', /link-local/);
    refused('https://127.0.0.1:8443/e/volumes/disk/disk.img.gz', /loopback.*--allow-export-host 127\.0\.0\.1:8443/);
    refused('https://2130706433/e/volumes/disk/disk.img.gz', /loopback/);
    refused('https://metadata.google.internal/e/volumes/disk/disk.img.gz', /metadata/);
    refused('https://x/e/volumes/disk/disk.img.gz', /2 different hosts/, 'https://evil.example/e/volumes/other/disk.img.gz');
    refused('https://user:pw@x/e/volumes/disk/disk.img.gz', /credentials/);
    const allowed = planData({ mode: 'export-url', objects: [dv], exports: [withUrl('https://127.0.0.1:8443/e/volumes/disk/disk.img.gz')], mapNamespace, allowedExportHosts: ['127.0.0.1:8443'] });
    assert.equal(allowed.imports.length, 1);
    const internal = planData({ mode: 'export-url', objects: [dv], exports: [withUrl('https://virt-export-e.old.svc/volumes/disk/disk.img.gz')], mapNamespace });
    assert.equal(internal.imports.length, 1);
  });

  it('export-url without a token is an input error naming the record', () => {
    assert.throws(() => planData({ mode: 'export-url', objects: [dv], exports: [record(['disk'])], mapNamespace }), /export record old\/vm carries no export token/);
  });

  it('none changes nothing; a volume nothing restores is a warning', () => {
    assert.deepEqual(planData({ mode: 'none', objects: [dv], exports: [record(['disk'])], mapNamespace }).objects, [dv]);
    const plan = planData({ mode: 'bundle', objects: [], exports: [record(['gone'])], mapNamespace });
    assert.deepEqual(plan.uploads, []);
    assert.deepEqual(plan.warnings.map((w) => `${w.namespace}/${w.name}`), ['new/gone']);
  });

  describe('filesystem volumes (KubeVirt exports a claim that is not a KubeVirt disk only as dir and tar.gz)', () => {
    const archiveRecord = (volumes: string[], format: 'archive' | 'tar.gz', extra: Partial<ExportRecord> = {}): ExportRecord => ({
      ...record([]),
      links: { external: { cert: 'PEM', volumes: volumes.map((name) => ({ name, formats: [{ format: 'dir', url: `${EXPORT_BASE}/volumes/${name}/dir` }, { format: 'tar.gz', url: `${EXPORT_BASE}/volumes/${name}/disk.tar.gz` }] })), manifests: [] } },
      data: volumes.map((volume) => (format === 'archive' ? { volume, format, path: `volumes/old/${volume}/index.json.zst` } : { volume, format, path: `data/old/${volume}/disk.tar.gz`, size: 3 })),
      ...extra,
    });

    it('the content type follows the data format: archive and v1alpha1 tar.gz are archives, raw and gzip disk images', () => {
      assert.deepEqual(['archive', 'tar.gz', 'raw', 'gzip'].map(contentTypeOf), ['archive', 'archive', 'kubevirt', 'kubevirt']);
    });

    for (const format of ['archive', 'tar.gz'] as const) {
      it(`bundle (${format}): a lone claim becomes an upload DataVolume of contentType archive, planned as an archive upload`, () => {
        const claim: KubeObject = { ...lonePvc, metadata: { ...lonePvc.metadata, annotations: { 'cdi.kubevirt.io/storage.contentType': 'kubevirt', kept: 'yes' } } };
        const plan = planData({ mode: 'bundle', objects: [claim], exports: [archiveRecord(['lone'], format)], mapNamespace });
        assert.deepEqual(find(plan.objects, 'DataVolume', 'lone')?.metadata.annotations, { kept: 'yes' }, "the claim's stale contentType annotation is dropped");
        assert.deepEqual(find(plan.objects, 'DataVolume', 'lone')?.spec, {
          contentType: 'archive',
          source: { upload: {} },
          pvc: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
        });
        assert.deepEqual(plan.uploads, [{ entryNamespace: 'old', entryVolume: 'lone', namespace: 'new', name: 'lone', contentType: 'archive' }]);
      });
    }

    it('bundle: a DataVolume and a dataVolumeTemplate of an archive get contentType archive; of a disk image lose a stale archive', () => {
      const archiveDv: KubeObject = { ...dv, spec: { ...(dv.spec as object), contentType: 'kubevirt' } };
      const plan = planData({ mode: 'bundle', objects: [archiveDv, vm], exports: [archiveRecord(['disk', 'root'], 'archive')], mapNamespace });
      assert.equal((find(plan.objects, 'DataVolume', 'disk')?.spec as Record<string, unknown>).contentType, 'archive');
      const template = ((find(plan.objects, 'VirtualMachine', 'vm') as KubeObject).spec as { dataVolumeTemplates: { spec: Record<string, unknown> }[] }).dataVolumeTemplates[0];
      assert.deepEqual(template?.spec, { storage: {}, contentType: 'archive', source: { upload: {} } });

      const staleDv: KubeObject = { ...dv, spec: { ...(dv.spec as object), contentType: 'archive' } };
      const raw = planData({ mode: 'bundle', objects: [staleDv], exports: [record(['disk'])], mapNamespace });
      assert.equal('contentType' in (find(raw.objects, 'DataVolume', 'disk')?.spec as Record<string, unknown>), false);
      const keptDv: KubeObject = { ...dv, spec: { ...(dv.spec as object), contentType: 'kubevirt' } };
      const kept = planData({ mode: 'bundle', objects: [keptDv], exports: [record(['disk'])], mapNamespace });
      assert.equal((find(kept.objects, 'DataVolume', 'disk')?.spec as Record<string, unknown>).contentType, 'kubevirt');
    });

    it('export-url: an archive is imported from its tar.gz URL into a DataVolume of contentType archive', () => {
      const plan = planData({ mode: 'export-url', objects: [lonePvc], exports: [archiveRecord(['lone'], 'archive', { token: 'T' })], mapNamespace });
      const spec = find(plan.objects, 'DataVolume', 'lone')?.spec as Record<string, unknown>;
      assert.equal(spec.contentType, 'archive');
      assert.equal((spec.source as { http: { url: string } }).http.url, `${EXPORT_BASE}/volumes/lone/disk.tar.gz`);
      assert.deepEqual(plan.imports, [{ namespace: 'new', name: 'lone', contentType: 'archive', url: `${EXPORT_BASE}/volumes/lone/disk.tar.gz` }]);
    });

    it('export-url: an archive offered without its tar.gz URL is an input error naming the volume', () => {
      const bare: ExportRecord = { ...archiveRecord(['lone'], 'archive', { token: 'T' }), links: { external: { volumes: [{ name: 'lone', formats: [{ format: 'dir', url: `${EXPORT_BASE}/volumes/lone/dir` }] }], manifests: [] } } };
      assert.throws(() => planData({ mode: 'export-url', objects: [lonePvc], exports: [bare], mapNamespace }), /no raw, gzip or tar.gz URL for volume lone/);
    });
  });
});
