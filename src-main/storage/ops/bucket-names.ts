/**
 * Bucket name rules per dialect, checked before a create so the user learns why a name is
 * refused in words, not from a bare InvalidBucketName.
 */
export type NameCheck = { ok: true; name: string } | { ok: false; en: string; zh: string };

// COS counts the whole default domain: `<name>-<appid>.cos.<region>.myqcloud.com` ≤ 60.
const COS_DOMAIN_LIMIT = 60;

/** A COS name as the user meant it: `-<appid>` appended when they left it out. */
export function withAppId(name: string, appId: string | undefined): string {
  if (!appId || name.endsWith(`-${appId}`)) return name;
  return `${name}-${appId}`;
}

/** For opening someone else's bucket the typed name may end in their APPID, not ours. */
export function withAppIdIfMissing(name: string, appId: string | undefined): string {
  return /-\d{5,}$/.test(name) ? name : withAppId(name, appId);
}

export function checkCosBucketName(typed: string, opts: { appId?: string; region: string }): NameCheck {
  const name = withAppId(typed.trim(), opts.appId);
  const m = /^(.*)-(\d+)$/.exec(name);
  if (!m) {
    return bad(
      `A COS bucket name ends in -APPID (for example photos-1250000000). Type "${typed}-<APPID>", or set the APPID on the account.`,
      `COS 存储桶名称必须以 -APPID 结尾（例如 photos-1250000000）。请输入“${typed}-<APPID>”，或在账号中填写 APPID。`,
    );
  }
  const base = m[1];
  if (base === '') return bad('Give the bucket a name before the -APPID.', '请在 -APPID 前填写存储桶名称。');
  if (!/^[a-z0-9-]+$/.test(base)) {
    return bad(
      `"${base}" may only contain lower-case letters (a-z), digits (0-9) and hyphens (-).`,
      `“${base}”只能包含小写字母（a-z）、数字（0-9）和中划线（-）。`,
    );
  }
  if (base.startsWith('-') || base.endsWith('-')) {
    return bad(`"${base}" cannot start or end with a hyphen.`, `“${base}”不能以中划线开头或结尾。`);
  }
  const domain = `${name}.cos.${opts.region}.myqcloud.com`;
  if (domain.length > COS_DOMAIN_LIMIT) {
    const over = domain.length - COS_DOMAIN_LIMIT;
    return bad(
      `"${name}" is too long for region ${opts.region}: the bucket's domain ${domain} may have at most ${COS_DOMAIN_LIMIT} characters. Shorten the name by ${over}.`,
      `“${name}”在地域 ${opts.region} 中过长：存储桶域名 ${domain} 最多 ${COS_DOMAIN_LIMIT} 个字符。请将名称缩短 ${over} 个字符。`,
    );
  }
  return { ok: true, name };
}

export function checkS3BucketName(typed: string): NameCheck {
  const name = typed.trim();
  if (name.length < 3 || name.length > 63) {
    return bad(
      `A bucket name has 3 to 63 characters; "${name}" has ${name.length}.`,
      `存储桶名称长度为 3 到 63 个字符；“${name}”有 ${name.length} 个。`,
    );
  }
  if (!/^[a-z0-9.-]+$/.test(name)) {
    return bad(
      `"${name}" may only contain lower-case letters (a-z), digits (0-9), dots (.) and hyphens (-).`,
      `“${name}”只能包含小写字母（a-z）、数字（0-9）、点（.）和中划线（-）。`,
    );
  }
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) {
    return bad(
      `"${name}" must start and end with a letter or digit.`,
      `“${name}”必须以字母或数字开头和结尾。`,
    );
  }
  if (/\.\.|\.-|-\./.test(name)) {
    return bad(
      `"${name}" cannot have two dots, or a dot and a hyphen, next to each other.`,
      `“${name}”中不能有相邻的两个点，或相邻的点和中划线。`,
    );
  }
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) {
    return bad(
      `"${name}" looks like an IP address, which a bucket name cannot be.`,
      `“${name}”看起来像 IP 地址，存储桶名称不能是 IP 地址。`,
    );
  }
  return { ok: true, name };
}

function bad(en: string, zh: string): NameCheck {
  return { ok: false, en, zh };
}
