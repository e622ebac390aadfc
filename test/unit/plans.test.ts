import { buildSchema, parse, type GraphQLObjectType, type OperationDefinitionNode } from 'graphql';
import { loadConfig, UNLIMITED_PLAN } from '../../src/config';
import { DomainError } from '../../src/errors';
import { authChecker, OPERATOR_ONLY, OPERATOR_VISIBLE, operationAccessError } from '../../src/graphql/authorization';
import type { Context } from '../../src/graphql/context';
import type { AuthCheckerFn, ResolverData } from 'type-graphql';
import { checkCampaignAllowed, monthOf, PlanCatalog, thresholdsReached, type Plan } from '../../src/plans/plans';
import { ApiScope, NO_WORKSPACE, OPERATOR_AUTH, withOperatorKey, type AuthInfo } from '../../src/shared/auth';

const small: Plan = { name: 'small', maxVariants: 3, monthlyMessages: 5, channels: ['SMS'], features: [] };
const pro: Plan = { name: 'pro', maxVariants: 8, monthlyMessages: null, channels: ['SMS', 'WHATSAPP', 'EMAIL'], features: ['BANDIT', 'LEARNING'] };

function reasonOf(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return e.reason;
  }
}

describe('PLANS configuration', () => {
  const load = (env: Record<string, string>) => loadConfig({ ...env });

  it('defaults to one unlimited plan', () => {
    const c = load({});
    expect(c.plans).toEqual({ list: [UNLIMITED_PLAN], defaultName: 'unlimited', configured: false });
    expect(c.operatorApiKey).toBeUndefined();
  });

  it('parses plans; the default is DEFAULT_PLAN, else the first', () => {
    const PLANS = JSON.stringify([small, pro]);
    expect(load({ PLANS }).plans.defaultName).toBe('small');
    expect(load({ PLANS, DEFAULT_PLAN: 'pro' }).plans).toEqual({ list: [small, pro], defaultName: 'pro', configured: true });
    // Set, even to one unlimited plan: plans are configured (only the operator creates workspaces).
    expect(load({ PLANS: JSON.stringify([UNLIMITED_PLAN]) }).plans.configured).toBe(true);
    expect(load({ PLANS: '' }).plans.configured).toBe(false);
  });

  it.each([
    ['not JSON', '[{'],
    ['empty', '[]'],
    ['maxVariants over 8', JSON.stringify([{ ...small, maxVariants: 9 }])],
    ['maxVariants under 2', JSON.stringify([{ ...small, maxVariants: 1 }])],
    ['negative monthly limit', JSON.stringify([{ ...small, monthlyMessages: -1 }])],
    ['fractional monthly limit', JSON.stringify([{ ...small, monthlyMessages: 1.5 }])],
    ['monthly limit over the SQL int range', JSON.stringify([{ ...small, monthlyMessages: 2_147_483_648 }])],
    ['unknown channel', JSON.stringify([{ ...small, channels: ['FAX'] }])],
    ['unknown feature', JSON.stringify([{ ...small, features: ['TELEPATHY'] }])],
    ['missing field', JSON.stringify([{ name: 'x', maxVariants: 2, channels: [], features: [] }])],
    ['unknown field', JSON.stringify([{ ...small, price: 10 }])],
    ['bad name', JSON.stringify([{ ...small, name: 'with space' }])],
    ['duplicate names', JSON.stringify([small, small])],
  ])('refuses %s with a clear message', (_what, PLANS) => {
    expect(() => load({ PLANS })).toThrow(/Invalid configuration:\n {2}PLANS: /);
  });

  it('refuses a DEFAULT_PLAN that is not configured, a short operator key, the admin key as operator key', () => {
    expect(() => load({ PLANS: JSON.stringify([small]), DEFAULT_PLAN: 'pro' })).toThrow(/DEFAULT_PLAN: "pro" is not one of PLANS \(small\)/);
    expect(() => load({ OPERATOR_API_KEY: 'short' })).toThrow(/OPERATOR_API_KEY must be at least 16 characters/);
    const key = 'k'.repeat(20);
    expect(() => load({ OPERATOR_API_KEY: key, ADMIN_API_KEY: key })).toThrow(/OPERATOR_API_KEY: must differ from ADMIN_API_KEY/);
  });
});

describe('PlanCatalog', () => {
  it('resolves stored names; an unknown one falls back to the default with one warning', () => {
    const warn = jest.fn();
    const catalog = new PlanCatalog({ list: [small, pro], defaultName: 'pro' }, { warn });
    expect(catalog.resolve(null)).toBe(pro);
    expect(catalog.resolve('small')).toBe(small);
    expect(catalog.resolve('gone')).toBe(pro);
    expect(catalog.resolve('gone')).toBe(pro);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(catalog.allUnlimited).toBe(false);
    expect(new PlanCatalog({ list: [UNLIMITED_PLAN], defaultName: 'unlimited' }).allUnlimited).toBe(true);
    expect(catalog.configured).toBe(false);
    expect(new PlanCatalog({ list: [small], defaultName: 'small', configured: true }).configured).toBe(true);
  });
});

describe('campaign checks', () => {
  it('variants, channel, BANDIT', () => {
    expect(reasonOf(() => checkCampaignAllowed(small, { type: 'AB_TEST', channel: 'SMS', variants: 3 }))).toBeUndefined();
    expect(reasonOf(() => checkCampaignAllowed(small, { type: 'AB_TEST', channel: 'SMS', variants: 4 }))).toBe('PLAN_VARIANT_LIMIT');
    expect(reasonOf(() => checkCampaignAllowed(small, { type: 'STANDARD', channel: 'EMAIL', variants: 1 }))).toBe('PLAN_CHANNEL_NOT_ALLOWED');
    expect(reasonOf(() => checkCampaignAllowed(small, { type: 'BANDIT', channel: 'SMS', variants: 2 }))).toBe('PLAN_FEATURE_NOT_ALLOWED');
    expect(reasonOf(() => checkCampaignAllowed(pro, { type: 'BANDIT', channel: 'EMAIL', variants: 8 }))).toBeUndefined();
  });
});

describe('monthly usage arithmetic', () => {
  it('thresholds reached', () => {
    expect(thresholdsReached(3, 5)).toEqual([]);
    expect(thresholdsReached(4, 5)).toEqual([80]);
    expect(thresholdsReached(5, 5)).toEqual([80, 100]);
    expect(thresholdsReached(799, 1000)).toEqual([]);
    expect(thresholdsReached(800, 1000)).toEqual([80]);
    expect(thresholdsReached(0, 0)).toEqual([80, 100]);
  });

  it('months are UTC calendar months', () => {
    expect(monthOf(new Date('2026-12-31T23:59:59Z'))).toBe('2026-12-01');
    expect(monthOf(new Date('2027-01-01T00:00:00Z'))).toBe('2027-01-01');
    expect(monthOf(new Date('2026-12-01T00:30:00+01:00'))).toBe('2026-11-01');
  });
});

describe('the operator key', () => {
  const workspaceAuth: AuthInfo = { workspaceId: 'w', apiKeyId: 'k', apiKeyName: 'k', scopes: [ApiScope.ADMIN] };

  it('is recognised before workspace keys, anything else goes to them', async () => {
    const inner = jest.fn(async () => workspaceAuth);
    const auth = withOperatorKey('operator-key-0123456789', inner);
    expect(await auth('operator-key-0123456789')).toMatchObject({ operator: true, workspaceId: NO_WORKSPACE, scopes: [] });
    expect(await auth('operator-key-012345678')).toBe(workspaceAuth);
    expect(await auth(undefined)).toBe(workspaceAuth);
    expect(withOperatorKey(undefined, inner)).toBe(inner);
  });

  it('may run only operator-only root fields', () => {
    const schema = buildSchema('type Query { campaigns: Int } type Mutation { setWorkspacePlan: Int, createCampaign: Int }');
    schema.getMutationType()!.getFields().setWorkspacePlan!.extensions = { [OPERATOR_ONLY]: true };
    const check = (auth: AuthInfo, q: string) => {
      const document = parse(q);
      return operationAccessError(auth, document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!, schema, document);
    };
    const operator = { ...OPERATOR_AUTH, scopes: [] };
    expect(check(operator, 'mutation { setWorkspacePlan __typename }')).toBeUndefined();
    expect(check(operator, 'mutation { setWorkspacePlan createCampaign }')?.code).toBe('FORBIDDEN');
    expect(check(operator, '{ campaigns }')?.code).toBe('FORBIDDEN');
    expect(check(operator, 'mutation { ... on Mutation { setWorkspacePlan } }')?.code).toBe('FORBIDDEN');
    // Workspace keys: their scopes (the resolver itself refuses them setWorkspacePlan).
    expect(check(workspaceAuth, '{ campaigns }')).toBeUndefined();
    expect(check({ ...workspaceAuth, scopes: [ApiScope.READ] }, 'mutation { createCampaign }')?.code).toBe('FORBIDDEN');
  });

  it('passes the @Authorized check of operator-only fields only (their resolver decides); workspace keys by scope', () => {
    const schema = buildSchema('type Query { campaigns: Int } type Mutation { createApiKey: Int, revokeApiKey: Int }');
    schema.getMutationType()!.getFields().createApiKey!.extensions = { [OPERATOR_ONLY]: true };
    const check = (auth: AuthInfo, fieldName: string) => {
      const data = { context: { auth } as Context, info: { parentType: schema.getMutationType()!, fieldName }, args: {}, root: {} } as unknown as ResolverData<Context>;
      try {
        return (authChecker as AuthCheckerFn<Context, ApiScope>)(data, [ApiScope.ADMIN]);
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        return e.code;
      }
    };
    const operator = { ...OPERATOR_AUTH, scopes: [] };
    expect(check(operator, 'createApiKey')).toBe(true);
    expect(check(operator, 'revokeApiKey')).toBe('FORBIDDEN');
    expect(check(operator, 'missing')).toBe('FORBIDDEN');
    expect(check(workspaceAuth, 'createApiKey')).toBe(true);
    expect(check({ ...workspaceAuth, scopes: [ApiScope.WRITE] }, 'createApiKey')).toBe('FORBIDDEN');
  });

  it('reads back from an operator-only field only what is marked OPERATOR_VISIBLE, through fragments too', () => {
    const schema = buildSchema(`
      type Query { campaigns: Int }
      type Usage { name: String, used: Int }
      type Ws { id: ID, settings: String, plan: Usage, other: Ws }
      type Mutation { setWorkspacePlan: Ws }`);
    schema.getMutationType()!.getFields().setWorkspacePlan!.extensions = { [OPERATOR_ONLY]: true };
    const ws = schema.getType('Ws') as GraphQLObjectType;
    ws.getFields().id!.extensions = { [OPERATOR_VISIBLE]: true };
    ws.getFields().plan!.extensions = { [OPERATOR_VISIBLE]: true };
    (schema.getType('Usage') as GraphQLObjectType).extensions = { [OPERATOR_VISIBLE]: true };
    const check = (q: string) => {
      const document = parse(q);
      return operationAccessError({ ...OPERATOR_AUTH, scopes: [] }, document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!, schema, document)?.code;
    };
    expect(check('mutation { setWorkspacePlan { id __typename plan { name used } } }')).toBeUndefined();
    expect(check('mutation { a: setWorkspacePlan { ...P } } fragment P on Ws { id plan { ...U } } fragment U on Usage { name }')).toBeUndefined();
    expect(check('mutation { setWorkspacePlan { ... on Ws { id } } }')).toBeUndefined();
    // A workspace's own data, however it is reached: refused.
    expect(check('mutation { setWorkspacePlan { id settings } }')).toBe('FORBIDDEN');
    expect(check('mutation { setWorkspacePlan { s: settings } }')).toBe('FORBIDDEN');
    expect(check('mutation { setWorkspacePlan { ...F } } fragment F on Ws { settings }')).toBe('FORBIDDEN');
    expect(check('mutation { setWorkspacePlan { ... on Ws { settings } } }')).toBe('FORBIDDEN');
    expect(check('mutation { setWorkspacePlan { ... { plan { name } settings } } }')).toBe('FORBIDDEN');
    expect(check('mutation { setWorkspacePlan { other { id } } }')).toBe('FORBIDDEN');
    expect(check('mutation { setWorkspacePlan { ...Missing } }')).toBe('FORBIDDEN');
  });
});
