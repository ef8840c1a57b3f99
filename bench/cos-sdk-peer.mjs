// The official cos-nodejs-sdk-v5 as a benchmark peer, one job per process like the other tools:
//   node bench/cos-sdk-peer.mjs '<json>'
// env COS_SECRET_ID, COS_SECRET_KEY; json: { port, bucket, region, op: "up"|"down"|"up-dir"|"down-dir",
//         local, prefix, key, tuned: { chunkSize, parallel } | null }
// "up" uses uploadFile, "down" downloadFile (the SDK's own resumable transfer calls); a folder
// goes through uploadFiles, and down-dir runs downloadFile over a listing, as many at once as
// the SDK's FileParallelLimit (the SDK has no folder download of its own).
import fs from 'node:fs';
import path from 'node:path';
import COS from 'cos-nodejs-sdk-v5';

const job = JSON.parse(process.argv[2]);
const tuned = job.tuned;
const cos = new COS({
  SecretId: process.env.COS_SECRET_ID,
  SecretKey: process.env.COS_SECRET_KEY,
  Protocol: 'http:',
  Domain: `{Bucket}.cos.{Region}.localhost:${job.port}`,
  ServiceDomain: `service.cos.localhost:${job.port}`,
  Ip: `127.0.0.1:${job.port}`,
  AutoSwitchHost: false,
  ...(tuned
    ? {
        ChunkSize: tuned.chunkSize,
        SliceSize: tuned.chunkSize * 2,
        ChunkParallelLimit: tuned.parallel,
        FileParallelLimit: tuned.parallel,
      }
    : {}),
});
const base = { Bucket: job.bucket, Region: job.region };
const fileLimit = tuned ? tuned.parallel : 3;

function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function listAll(prefix) {
  const keys = [];
  let marker = '';
  for (;;) {
    const r = await cos.getBucket({ ...base, Prefix: prefix, Marker: marker, MaxKeys: 1000 });
    for (const c of r.Contents) keys.push(c.Key);
    if (r.IsTruncated !== 'true') return keys;
    marker = r.NextMarker || r.Contents[r.Contents.length - 1].Key;
  }
}

async function main() {
  if (job.op === 'up') {
    await cos.uploadFile({ ...base, Key: job.key, FilePath: job.local });
  } else if (job.op === 'down') {
    await cos.downloadFile({
      ...base,
      Key: job.key,
      FilePath: job.local,
      ...(tuned ? { ChunkSize: tuned.chunkSize, ParallelLimit: tuned.parallel } : {}),
    });
  } else if (job.op === 'up-dir') {
    const files = walk(job.local).map((f) => ({
      ...base,
      Key: job.prefix + path.relative(job.local, f).split(path.sep).join('/'),
      FilePath: f,
    }));
    const r = await cos.uploadFiles({ files });
    const bad = (r.files || []).filter((f) => f.error);
    if (bad.length) throw new Error(`${bad.length} uploads failed: ${JSON.stringify(bad[0].error)}`);
  } else if (job.op === 'down-dir') {
    const keys = await listAll(job.prefix);
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= keys.length) return;
        const dest = path.join(job.local, keys[i].slice(job.prefix.length));
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        await cos.downloadFile({ ...base, Key: keys[i], FilePath: dest });
      }
    };
    await Promise.all(Array.from({ length: fileLimit }, worker));
  } else throw new Error(`unknown op ${job.op}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`cos-sdk-peer: ${e && (e.message || JSON.stringify(e))}\n`);
    process.exit(1);
  },
);
