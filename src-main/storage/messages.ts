/**
 * What a person reads when a storage call fails, in the two languages the app ships.
 * Keyed by the server's error code, or by our own code for failures that never reached one.
 */
export type Lang = 'en' | 'zh-CN';

export interface MessageContext {
  bucket?: string;
  key?: string;
  host?: string;
  status?: number;
  /** The server's own Message: shown only where it is the reason a person needs (InvalidArgument). */
  serverMessage?: string;
}

type Text = (c: MessageContext) => string;

const inBucket = (c: MessageContext) => (c.bucket ? ` "${c.bucket}"` : '');
const theKey = (c: MessageContext) => (c.key ? ` "${c.key}"` : '');
const atHost = (c: MessageContext) => (c.host ? ` ${c.host}` : '');
/** COS explains an InvalidArgument in its Message (e.g. which header is wrong): keep that reason. */
const reason = (c: MessageContext, zh = false) => {
  const m = c.serverMessage?.trim().replace(/\s+/g, ' ').slice(0, 300);
  if (!m) return '';
  return zh ? `（服务器说明："${m}"）` : ` (the server says: "${m}")`;
};

const TABLE: Record<string, { en: Text; zh: Text }> = {
  SignatureDoesNotMatch: {
    en: () =>
      'The server rejected the signature: the secret key is wrong. Check the secret key (and that the key id belongs to it) and try again.',
    zh: () =>
      '服务器拒绝了请求签名：SecretKey 不正确。请检查 SecretKey（以及它与 SecretId 是否配对）后重试。',
  },
  InvalidAccessKeyId: {
    en: () =>
      'The server does not know this key id: the key id is unknown or was deleted. Check the key id and try again.',
    zh: () => '服务器不认识这个 SecretId：该密钥 ID 不存在或已被删除。请检查 SecretId 后重试。',
  },
  AccessDenied: {
    en: (c) =>
      `Access denied${inBucket(c)}: this key is not allowed to do that. Ask the owner for permission, or use a key that has it.`,
    zh: (c) =>
      `访问被拒绝${inBucket(c)}：此密钥没有执行该操作的权限。请向所有者申请权限，或改用有权限的密钥。`,
  },
  ExpiredToken: {
    en: () =>
      'The temporary key has expired: the server no longer accepts its token. Mint fresh temporary keys, or paste new ones (SecretId, SecretKey and token) into the account, and try again.',
    zh: () =>
      '临时密钥已过期：服务器不再接受其 Token。请重新生成临时密钥，或将新的临时密钥（SecretId、SecretKey 和 Token）粘贴到账号中，然后重试。',
  },
  InvalidToken: {
    en: () =>
      'The session token is invalid or does not belong to this key. Copy the token again together with its SecretId and SecretKey.',
    zh: () => '会话 Token 无效，或与此密钥不匹配。请将 Token 与对应的 SecretId、SecretKey 一起重新复制。',
  },
  RequestTimeTooSkewed: {
    en: () =>
      "This computer's clock differs too much from the server's. Set the system clock to the correct time (enable automatic time) and try again.",
    zh: () => '本机时间与服务器时间相差过大。请校准系统时间（开启自动对时）后重试。',
  },
  NoSuchBucket: {
    en: (c) =>
      `The bucket${inBucket(c)} does not exist. Check its name (COS names end in -APPID) and region.`,
    zh: (c) => `存储桶${inBucket(c)}不存在。请检查名称（COS 存储桶名以 -APPID 结尾）和所属地域。`,
  },
  NoSuchKey: {
    en: (c) => `The file${theKey(c)} does not exist. It may have been moved or deleted; refresh the list.`,
    zh: (c) => `文件${theKey(c)}不存在，可能已被移动或删除。请刷新列表。`,
  },
  NotFound: {
    en: (c) =>
      `Not found${inBucket(c)}${theKey(c)}: the bucket or file does not exist. Refresh and check the name.`,
    zh: (c) => `未找到${inBucket(c)}${theKey(c)}：存储桶或文件不存在。请刷新并检查名称。`,
  },
  NoSuchUpload: {
    en: () => 'The multipart upload no longer exists (it was completed or aborted). Start the upload again.',
    zh: () => '分块上传任务已不存在（已完成或已取消）。请重新开始上传。',
  },
  BucketNotEmpty: {
    en: (c) =>
      `The bucket${inBucket(c)} is not empty. Delete every file (and unfinished upload) in it first.`,
    zh: (c) => `存储桶${inBucket(c)}不为空。请先删除其中的所有文件（以及未完成的分块上传）。`,
  },
  BucketAlreadyExists: {
    en: (c) =>
      `The bucket name${inBucket(c)} is already taken, possibly by another account. Choose a different name.`,
    zh: (c) => `存储桶名称${inBucket(c)}已被占用（可能属于其他账号）。请换一个名称。`,
  },
  BucketAlreadyOwnedByYou: {
    en: (c) =>
      `You already own the bucket${inBucket(c)}. Pick it from the list instead of creating it again.`,
    zh: (c) => `存储桶${inBucket(c)}已归您所有，无需重复创建，请直接在列表中选择。`,
  },
  InvalidBucketName: {
    en: (c) =>
      `The bucket name${inBucket(c)} is not valid. Use lower-case letters, digits and hyphens, not starting or ending with a hyphen.`,
    zh: (c) => `存储桶名称${inBucket(c)}不合法。请只使用小写字母、数字和连字符，且不能以连字符开头或结尾。`,
  },
  PathStyleDomainForbidden: {
    en: () =>
      'The server does not accept path-style addresses. Switch the account to virtual-hosted style (bucket name in the host name).',
    zh: () => '服务器不接受路径形式的访问地址。请将账号改为虚拟主机形式（存储桶名位于域名中）。',
  },
  SlowDown: {
    en: () => 'The server asked us to slow down (too many requests). Wait a moment and try again.',
    zh: () => '服务器要求降低请求频率（请求过多）。请稍等片刻后重试。',
  },
  ServiceUnavailable: {
    en: (c) => `The server${atHost(c)} is temporarily unavailable. Try again in a few minutes.`,
    zh: (c) => `服务器${atHost(c)}暂时不可用。请几分钟后重试。`,
  },
  InternalError: {
    en: () =>
      'The server hit an internal error. Try again; if it keeps happening, contact the storage provider.',
    zh: () => '服务器内部错误。请重试；如果持续出现，请联系存储服务提供方。',
  },
  PermanentRedirect: {
    en: (c) =>
      `The bucket${inBucket(c)} lives in another region or endpoint. Check the account's region and endpoint.`,
    zh: (c) => `存储桶${inBucket(c)}位于其他地域或访问地址。请检查账号的地域和访问地址。`,
  },
  AuthorizationHeaderMalformed: {
    en: () => "The server expects a different region. Check the account's region.",
    zh: () => '服务器要求使用其他地域。请检查账号的地域设置。',
  },
  InvalidArgument: {
    en: (c) =>
      `The server rejected a parameter of the request${reason(c)}. Check the name and settings you entered.`,
    zh: (c) => `服务器拒绝了请求中的某个参数${reason(c, true)}。请检查您输入的名称和设置。`,
  },
  KeyTooLong: {
    en: () => 'The file name (with its folder path) is too long. Use a shorter name or folder path.',
    zh: () => '文件名（含文件夹路径）过长。请使用更短的名称或路径。',
  },
  EntityTooLarge: {
    en: () => 'The file is too large for a single upload.',
    zh: () => '文件过大，无法通过单次上传完成。',
  },
  PreconditionFailed: {
    en: () => 'The file changed on the server since it was listed. Refresh and try again.',
    zh: () => '文件在列出后已在服务器上被修改。请刷新后重试。',
  },
  InvalidRange: {
    en: () => 'The requested byte range is outside the file. Refresh the file and try again.',
    zh: () => '请求的字节范围超出了文件大小。请刷新文件后重试。',
  },
  NoSuchPolicy: {
    en: (c) => `The bucket${inBucket(c)} has no policy.`,
    zh: (c) => `存储桶${inBucket(c)}没有设置存储桶策略。`,
  },
  MethodNotAllowed: {
    en: () => 'The server does not support this operation here.',
    zh: () => '服务器在此处不支持该操作。',
  },
  ECONNREFUSED: {
    en: (c) =>
      `Could not connect to${atHost(c)}: the connection was refused. Check the endpoint address and port, and that the server is running.`,
    zh: (c) => `无法连接到${atHost(c)}：连接被拒绝。请检查访问地址和端口，并确认服务器正在运行。`,
  },
  ETIMEDOUT: {
    en: (c) =>
      `The server${atHost(c)} did not answer in time (timeout). Check your network, proxy and the endpoint address, then try again.`,
    zh: (c) => `服务器${atHost(c)}未在规定时间内响应（超时）。请检查网络、代理和访问地址后重试。`,
  },
  ENOTFOUND: {
    en: (c) =>
      `The host name${atHost(c)} could not be found (DNS lookup failed). Check the endpoint address and your network connection.`,
    zh: (c) => `无法解析主机名${atHost(c)}（DNS 查询失败）。请检查访问地址和网络连接。`,
  },
  ECONNRESET: {
    en: (c) =>
      `The connection to${atHost(c)} was closed unexpectedly. Check your network or proxy and try again.`,
    zh: (c) => `与${atHost(c)}的连接被意外断开。请检查网络或代理后重试。`,
  },
  EHOSTUNREACH: {
    en: (c) => `The server${atHost(c)} cannot be reached from this network. Check your network connection.`,
    zh: (c) => `当前网络无法访问服务器${atHost(c)}。请检查网络连接。`,
  },
  TLS: {
    en: (c) =>
      `The secure connection to${atHost(c)} failed: its certificate is not trusted or does not match the host name. Check the endpoint address (http:// or https://).`,
    zh: (c) =>
      `与${atHost(c)}建立安全连接失败：证书不受信任或与主机名不符。请检查访问地址（http:// 或 https://）。`,
  },
  NETWORK: {
    en: (c) => `A network error occurred while talking to${atHost(c)}. Check your connection and try again.`,
    zh: (c) => `与${atHost(c)}通信时发生网络错误。请检查网络连接后重试。`,
  },
  Aborted: {
    en: () => 'The request was cancelled.',
    zh: () => '请求已取消。',
  },
  MalformedResponse: {
    en: (c) =>
      `The server${atHost(c)} sent something that is not valid XML, so it is probably not a COS/S3 endpoint (or a proxy is in the way). Check the endpoint address.`,
    zh: (c) =>
      `服务器${atHost(c)}返回的内容不是有效的 XML，它可能不是 COS/S3 服务（或中间有代理）。请检查访问地址。`,
  },
  InvalidEndpoint: {
    en: () =>
      "The account's endpoint or bucket address is not valid. Edit the account and check the address.",
    zh: () => '账号的访问地址或存储桶地址无效。请编辑账号并检查地址。',
  },
};

/** Codes whose meaning is the same as one in the table. */
const ALIASES: Record<string, string> = {
  TokenExpired: 'ExpiredToken',
  InvalidSecurity: 'InvalidToken',
  RequestTimeout: 'ETIMEDOUT',
  TooManyRequests: 'SlowDown',
  InvalidObjectName: 'KeyTooLong',
};

export function hasDescription(code: string): boolean {
  return code in TABLE || code in ALIASES;
}

export function describeStorageError(code: string, lang: Lang, ctx: MessageContext = {}): string {
  const entry = TABLE[code] ?? TABLE[ALIASES[code] ?? ''];
  if (entry) return lang === 'en' ? entry.en(ctx) : entry.zh(ctx);
  const status = ctx.status === undefined ? '' : `, HTTP ${ctx.status}`;
  return lang === 'en'
    ? `The server refused the request (${code}${status}). Try again; if it keeps happening, check the account settings.`
    : `服务器拒绝了请求（${code}${status}）。请重试；如果持续出现，请检查账号设置。`;
}
