import type { FormItemRule, FormRules } from 'element-plus';
import type { ZodType } from 'zod';
import {
  cosFields,
  region as regionSchema,
  s3Fields,
  secretPlain,
  type AccountFields,
  type AccountFieldsEdit,
  type AccountView,
  type SecretPlain,
} from '../../../src-shared/contract';

export const COS_REGIONS = [
  'ap-guangzhou',
  'ap-shanghai',
  'ap-beijing',
  'ap-chengdu',
  'ap-chongqing',
  'ap-nanjing',
  'ap-hongkong',
  'ap-singapore',
  'ap-tokyo',
  'ap-seoul',
  'ap-bangkok',
  'ap-jakarta',
  'ap-mumbai',
  'na-siliconvalley',
  'na-ashburn',
  'sa-saopaulo',
  'eu-frankfurt',
] as const;

export const COS_ENDPOINT_TEMPLATE_EXAMPLE = 'https://{bucket}.cos.{region}.myqcloud.com';

export type AccountKind = AccountFields['kind'];

/** Everything the dialog edits; both kinds' fields live side by side so switching keeps input. */
export interface AccountForm {
  kind: AccountKind;
  name: string;
  secretId: string;
  appId: string;
  cosRegion: string;
  endpointTemplate: string;
  serviceEndpoint: string;
  endpoint: string;
  s3Region: string;
  accessKeyId: string;
  pathStyle: boolean;
  secretKey: string;
  sessionToken: string;
  tokenExpiresAt: Date | null;
}

export function emptyForm(): AccountForm {
  return {
    kind: 'cos',
    name: '',
    secretId: '',
    appId: '',
    cosRegion: 'ap-guangzhou',
    endpointTemplate: '',
    serviceEndpoint: '',
    endpoint: '',
    s3Region: 'us-east-1',
    accessKeyId: '',
    pathStyle: true,
    secretKey: '',
    sessionToken: '',
    tokenExpiresAt: null,
  };
}

/** The form for editing an account: its settings, never its secret (the page has none). */
export function formFromAccount(view: AccountView): AccountForm {
  const form = emptyForm();
  form.kind = view.kind;
  form.name = view.name;
  form.tokenExpiresAt = view.tokenExpiresAt ? new Date(view.tokenExpiresAt) : null;
  if (view.kind === 'cos') {
    form.cosRegion = view.region;
    form.appId = view.appId ?? '';
    form.endpointTemplate = view.endpointTemplate ?? '';
    form.serviceEndpoint = view.serviceEndpoint ?? '';
  } else {
    form.s3Region = view.region;
    form.endpoint = view.endpoint;
    form.pathStyle = view.pathStyle;
  }
  return form;
}

const hasText = (s: string): boolean => s.trim() !== '';

/** Whether the token expiry applies: a new token was typed, or the stored one is kept. */
export function expiryApplies(form: AccountForm, editing: AccountView | null): boolean {
  if (hasText(form.sessionToken)) return true;
  return !!editing?.hasToken && !hasText(form.secretKey);
}

function optionalText(s: string): string | undefined {
  return hasText(s) ? s.trim() : undefined;
}

/**
 * The settings to send. A view carries only the masked key id: when editing, an empty key
 * id field means "keep the stored one" and is left out.
 */
export function toFields(form: AccountForm, editing: AccountView | null): AccountFieldsEdit {
  const tokenExpiresAt =
    expiryApplies(form, editing) && form.tokenExpiresAt ? form.tokenExpiresAt.toISOString() : undefined;
  const common = { name: form.name.trim(), ...(tokenExpiresAt ? { tokenExpiresAt } : {}) };
  if (form.kind === 'cos') {
    const appId = optionalText(form.appId);
    const endpointTemplate = optionalText(form.endpointTemplate);
    const serviceEndpoint = optionalText(form.serviceEndpoint);
    return {
      kind: 'cos',
      ...common,
      ...keyId('secretId', form.secretId),
      region: form.cosRegion.trim(),
      ...(appId ? { appId } : {}),
      ...(endpointTemplate ? { endpointTemplate } : {}),
      ...(serviceEndpoint ? { serviceEndpoint } : {}),
    };
  }
  return {
    kind: 's3',
    ...common,
    endpoint: form.endpoint.trim(),
    region: form.s3Region.trim(),
    ...keyId('accessKeyId', form.accessKeyId),
    pathStyle: form.pathStyle,
  };
}

function keyId<K extends string>(name: K, value: string): Partial<Record<K, string>> {
  const v = value.trim();
  return (v ? { [name]: v } : {}) as Partial<Record<K, string>>;
}

/** The secret to seal and send, or undefined when the user typed none (keep the stored one). */
export function toSecret(form: AccountForm): SecretPlain | undefined {
  if (form.secretKey === '') return undefined;
  const token = form.sessionToken.trim();
  return token ? { secretKey: form.secretKey, sessionToken: token } : { secretKey: form.secretKey };
}

type Translate = (key: string, named?: Record<string, unknown>) => string;

/** A rule that checks with the contract's own zod schema, and says why in the page's language. */
function schemaRule(
  schema: ZodType,
  opts: { required: boolean; requiredMessage?: string; message: string },
): FormItemRule {
  return {
    required: opts.required,
    trigger: ['blur', 'change'],
    validator: (_rule, value: unknown, callback) => {
      const text = typeof value === 'string' ? value : '';
      if (!hasText(text)) {
        if (opts.required) callback(new Error(opts.requiredMessage ?? opts.message));
        else callback();
        return;
      }
      if (schema.safeParse(text).success) callback();
      else callback(new Error(opts.message));
    },
  };
}

/** Element Plus rules mirroring the contract's zod schemas; the secret key is optional when editing. */
export function accountFormRules(
  form: AccountForm,
  editing: AccountView | null,
  t: Translate,
): FormRules<AccountForm> {
  const keyIdRule = (schema: ZodType): FormItemRule =>
    schemaRule(schema, {
      required: !editing,
      requiredMessage: t('validation.keyIdRequired'),
      message: t('validation.keyId'),
    });
  const url = (required: boolean): FormItemRule =>
    schemaRule(s3Fields.shape.endpoint, {
      required,
      requiredMessage: t('validation.urlRequired'),
      message: t('validation.url'),
    });
  const regionRule = schemaRule(regionSchema, {
    required: true,
    requiredMessage: t('validation.regionRequired'),
    message: t('validation.region'),
  });

  return {
    name: [schemaRule(cosFields.shape.name, { required: true, message: t('validation.name') })],
    secretId: [keyIdRule(cosFields.shape.secretId)],
    accessKeyId: [keyIdRule(s3Fields.shape.accessKeyId)],
    appId: [schemaRule(cosFields.shape.appId, { required: false, message: t('validation.appId') })],
    cosRegion: [regionRule],
    s3Region: [regionRule],
    endpointTemplate: [
      schemaRule(cosFields.shape.endpointTemplate, {
        required: false,
        message: t('validation.endpointTemplate', {
          token: '{bucket}',
          example: COS_ENDPOINT_TEMPLATE_EXAMPLE,
        }),
      }),
    ],
    serviceEndpoint: [url(false)],
    endpoint: [url(true)],
    secretKey: [
      {
        required: !editing,
        trigger: ['blur', 'change'],
        validator: (_rule, value: unknown, callback) => {
          const text = typeof value === 'string' ? value : '';
          if (text === '') {
            if (!editing) callback(new Error(t('validation.secretKeyRequired')));
            else if (hasText(form.sessionToken)) callback(new Error(t('validation.secretKeyForToken')));
            else callback();
          } else if (secretPlain.shape.secretKey.safeParse(text).success) callback();
          else callback(new Error(t('validation.secretKey')));
        },
      },
    ],
    sessionToken: [
      schemaRule(secretPlain.shape.sessionToken, { required: false, message: t('validation.token') }),
    ],
    tokenExpiresAt: [
      {
        trigger: ['blur', 'change'],
        validator: (_rule, value: unknown, callback) => {
          const valid = value instanceof Date && !Number.isNaN(value.getTime());
          if (hasText(form.sessionToken) && !valid) {
            callback(new Error(t('validation.tokenExpiresRequired')));
          } else callback();
        },
      },
    ],
  };
}
