// Request-building cases whose expected values come from Higress, not from agate: the inputs and
// asserted outputs of plugins/wasm-go/pkg/mcp/server/rest_server_test.go and auth_utils_test.go,
// finished where those tests stop short of the wire by the lines of rest_server.go named in each case
// (query re-encoded by url.Values.Encode: keys sorted, QueryEscape, space as '+'). Percent-encodings
// of non-ASCII text were produced by WHATWG encodeURIComponent, which agrees with Go's QueryEscape there.

/** One tools/call and the request Higress sends for it. */
export interface HigressRequestCase {
  /** Where the expectation comes from. */
  readonly source: string;
  readonly name: string;
  /** The config file (one tool named `t`, or the named tool). */
  readonly doc: Record<string, unknown>;
  readonly tool?: string;
  readonly args: Record<string, unknown>;
  /** Client headers the router hands over for passthrough (`io.agate/passthrough-auth`). */
  readonly clientHeaders?: Record<string, string>;
  readonly want: {
    readonly method: string;
    /** Path and query exactly as they reach the upstream. */
    readonly target: string;
    /** Every value received for each named header (lower-case), in order; [] = absent. */
    readonly headers: Readonly<Record<string, readonly string[]>>;
    /** The exact body; '' = none. */
    readonly body: string;
  };
}

const tool = (t: Record<string, unknown>, server: Record<string, unknown> = {}, agate?: Record<string, unknown>): Record<string, unknown> => ({
  server: { name: 'higress-case', ...server },
  tools: [{ name: 't', description: 'case', ...t }],
  ...(agate ? { agate } : {}),
});

// TestConvertArgToString / TestArgsToUrlParamAndFormBody use these five values.
const fiveArgs = [
  { name: 'string', description: 's', type: 'string' },
  { name: 'int', description: 'i', type: 'integer' },
  { name: 'bool', description: 'b', type: 'boolean' },
  { name: 'array', description: 'a', type: 'array', items: { type: 'integer' } },
  { name: 'object', description: 'o', type: 'object' },
];
const fiveValues = { string: 'value', int: 42, bool: true, array: [1, 2, 3], object: { key: 'value' } };
// Each key=url.QueryEscape(convertArgToString(v)), joined in sorted key order by Values.Encode.
const fiveEncoded = 'array=%5B1%2C2%2C3%5D&bool=true&int=42&object=%7B%22key%22%3A%22value%22%7D&string=value';

const ACCEPT_ANY = { accept: ['*/*'] };

const securityCase = (
  name: string,
  scheme: Record<string, unknown>,
  requirement: Record<string, unknown>,
  want: { headers: Record<string, string[]>; target?: string; url?: string },
): HigressRequestCase => ({
  source: `auth_utils_test.go ${name}`,
  name,
  doc: tool({ args: [], requestTemplate: { url: want.url ?? 'http://api.example.com/p', method: 'GET', security: requirement } }, { securitySchemes: [scheme] }),
  args: {},
  want: { method: 'GET', target: want.target ?? '/p', headers: { ...ACCEPT_ANY, ...want.headers }, body: '' },
});

/** The cases, in the order of the Higress tests they come from. */
export const HIGRESS_REQUEST_CASES: readonly HigressRequestCase[] = [
  {
    source: 'rest_server_test.go TestRestToolConfig (maps-geo URL) + rest_server.go query.Encode()',
    name: 'maps-geo: the rendered URL is re-parsed and its query re-encoded, keys sorted',
    doc: tool(
      {
        args: [
          { name: 'address', description: 'a', type: 'string', required: true },
          { name: 'city', description: 'c' },
          { name: 'output', description: 'o', type: 'string', enum: ['json', 'xml'], default: 'json' },
        ],
        requestTemplate: {
          url: 'https://restapi.amap.com/v3/geocode/geo?key={{.config.apiKey}}&address={{.args.address}}&city={{.args.city}}&output={{.args.output}}&source=ts_mcp',
          method: 'GET',
          headers: [{ key: 'Content-Type', value: 'application/json' }],
        },
      },
      { config: { apiKey: 'test-api-key' } },
    ),
    args: { address: '北京市朝阳区阜通东大街6号', city: '北京', output: 'json' },
    want: {
      method: 'GET',
      target:
        '/v3/geocode/geo?address=%E5%8C%97%E4%BA%AC%E5%B8%82%E6%9C%9D%E9%98%B3%E5%8C%BA%E9%98%9C%E9%80%9A%E4%B8%9C%E5%A4%A7%E8%A1%976%E5%8F%B7&city=%E5%8C%97%E4%BA%AC&key=test-api-key&output=json&source=ts_mcp',
      headers: { 'content-type': ['application/json'], ...ACCEPT_ANY },
      body: '',
    },
  },
  {
    source: 'rest_server_test.go TestConvertArgToString, sent as position: query',
    name: 'convertArgToString: string, bool, int, float, map, array',
    doc: tool({
      args: [
        { name: 'string', description: 's', type: 'string', position: 'query' },
        { name: 'bool', description: 'b', type: 'boolean', position: 'query' },
        { name: 'int', description: 'i', type: 'integer', position: 'query' },
        { name: 'float', description: 'f', type: 'number', position: 'query' },
        { name: 'map', description: 'm', type: 'object', position: 'query' },
        { name: 'array', description: 'a', type: 'array', items: { type: 'integer' }, position: 'query' },
      ],
      requestTemplate: { url: 'https://example.com/api', method: 'GET' },
    }),
    args: { string: 'test string', bool: true, int: 42, float: 3.14, map: { key: 'value' }, array: [1, 2, 3] },
    want: {
      method: 'GET',
      target: '/api?array=%5B1%2C2%2C3%5D&bool=true&float=3.14&int=42&map=%7B%22key%22%3A%22value%22%7D&string=test+string',
      headers: { ...ACCEPT_ANY, 'content-type': [] },
      body: '',
    },
  },
  {
    source: 'rest_server_test.go TestArgsToUrlParamAndFormBody/argsToUrlParam',
    name: 'argsToUrlParam: default args join the query',
    doc: tool({ args: fiveArgs, requestTemplate: { url: 'https://example.com/api', method: 'GET', argsToUrlParam: true } }),
    args: fiveValues,
    want: { method: 'GET', target: `/api?${fiveEncoded}`, headers: { ...ACCEPT_ANY, 'content-type': [] }, body: '' },
  },
  {
    source: 'rest_server_test.go TestArgsToUrlParamAndFormBody/argsToFormBody + rest_server.go (form Content-Type added)',
    name: 'argsToFormBody: default args as a urlencoded body',
    doc: tool({ args: fiveArgs, requestTemplate: { url: 'https://example.com/api', method: 'POST', argsToFormBody: true } }),
    args: fiveValues,
    want: { method: 'POST', target: '/api', headers: { ...ACCEPT_ANY, 'content-type': ['application/x-www-form-urlencoded'] }, body: fiveEncoded },
  },
  {
    source: 'rest_server_test.go TestRestMCPTool_Create_{Boolean,Integer,Number}Coercion, _DefaultApplied',
    name: 'Create coerces "true", "42", "3.14" and applies the integer default 7',
    doc: tool(
      {
        args: [
          { name: 'b', description: 'b', type: 'boolean', position: 'query' },
          { name: 'i', description: 'i', type: 'integer', position: 'query' },
          { name: 'n', description: 'n', type: 'number', position: 'query' },
          { name: 's', description: 's', type: 'string', position: 'query' },
          { name: 'd', description: 'd', type: 'integer', default: 7, position: 'query' },
        ],
        requestTemplate: { url: 'https://example.com/c', method: 'GET' },
      },
      {},
      { mode: 'higress' },
    ),
    args: { b: 'true', i: '42', n: '3.14', s: 'hello' },
    want: { method: 'GET', target: '/c?b=true&d=7&i=42&n=3.14&s=hello', headers: ACCEPT_ANY, body: '' },
  },
  {
    source: 'rest_server_test.go TestRestMCPTool_Create_{Boolean,Integer}Coercion (pass-through arms)',
    name: 'Create keeps "yes" for a boolean, a number for a boolean, truncates 10.0',
    doc: tool(
      {
        args: [
          { name: 'b', description: 'b', type: 'boolean', position: 'query' },
          { name: 'b2', description: 'b', type: 'boolean', position: 'query' },
          { name: 'i', description: 'i', type: 'integer', position: 'query' },
          { name: 'i2', description: 'i', type: 'integer', position: 'query' },
        ],
        requestTemplate: { url: 'https://example.com/c', method: 'GET' },
      },
      {},
      { mode: 'higress' },
    ),
    args: { b: 'yes', b2: 42, i: 10, i2: 'not-int' },
    want: { method: 'GET', target: '/c?b=yes&b2=42&i=10&i2=not-int', headers: ACCEPT_ANY, body: '' },
  },
  {
    source: 'rest_server_test.go TestHasContentType_CaseAndCharsetSuffix + rest_server.go body step',
    name: 'a configured "Application/JSON; charset=utf-8" counts as JSON: body args go as JSON, no second Content-Type',
    doc: tool({
      args: [{ name: 'q', description: 'q', type: 'string', position: 'body' }],
      requestTemplate: { url: 'https://example.com/j', method: 'POST', headers: [{ key: 'content-type', value: 'Application/JSON; charset=utf-8' }] },
    }),
    args: { q: 'x' },
    want: { method: 'POST', target: '/j', headers: { 'content-type': ['Application/JSON; charset=utf-8'], ...ACCEPT_ANY }, body: '{"q":"x"}' },
  },
  {
    source: 'rest_server.go body step: hasFormContentType',
    name: 'a configured form Content-Type sends body args as a form',
    doc: tool({
      args: [
        { name: 'b', description: 'b', type: 'string', position: 'body' },
        { name: 'a', description: 'a', type: 'string', position: 'body' },
      ],
      requestTemplate: { url: 'https://example.com/f', method: 'POST', headers: [{ key: 'Content-Type', value: 'application/x-www-form-urlencoded' }] },
    }),
    args: { b: 'x y', a: '1&2' },
    want: { method: 'POST', target: '/f', headers: { 'content-type': ['application/x-www-form-urlencoded'], ...ACCEPT_ANY }, body: 'a=1%262&b=x+y' },
  },
  {
    source: 'rest_server.go header/cookie args + wasm-go RouteCall (ReplaceHttpRequestHeader per header: the later one wins)',
    name: 'a header argument replaces the template header of the same name; cookie args join the template Cookie',
    doc: tool({
      args: [
        { name: 'X-Mode', description: 'm', type: 'string', position: 'header' },
        { name: 'sid', description: 's', type: 'string', position: 'cookie' },
      ],
      requestTemplate: {
        url: 'https://example.com/h',
        method: 'GET',
        headers: [
          { key: 'x-mode', value: 'from-template' },
          { key: 'Cookie', value: 'a=1' },
          { key: 'Accept', value: 'text/plain' },
        ],
      },
    }),
    args: { 'X-Mode': 'from-arg', sid: 'abc' },
    want: { method: 'GET', target: '/h', headers: { 'x-mode': ['from-arg'], cookie: ['a=1; sid=abc'], accept: ['text/plain'] }, body: '' },
  },
  {
    source: 'rest_server.go body step (JSON Content-Type appended when none is JSON) + RouteCall (later header wins)',
    name: 'body args under a non-JSON configured Content-Type: the JSON Content-Type replaces it',
    doc: tool({
      args: [{ name: 'q', description: 'q', type: 'string', position: 'body' }],
      requestTemplate: { url: 'https://example.com/j', method: 'POST', headers: [{ key: 'Content-Type', value: 'text/plain' }] },
    }),
    args: { q: 'x' },
    want: { method: 'POST', target: '/j', headers: { 'content-type': ['application/json; charset=utf-8'], ...ACCEPT_ANY }, body: '{"q":"x"}' },
  },
  {
    source: 'rest_server.go explicit body template (JSON-looking output gets a JSON Content-Type)',
    name: 'an explicit body template that renders a JSON object gets application/json; charset=utf-8',
    doc: tool({
      args: [{ name: 'q', description: 'q', type: 'string' }],
      requestTemplate: { url: 'https://example.com/b', method: 'POST', body: '{"query": {{toJson .args.q}}}' },
    }),
    args: { q: 'a<b' },
    want: { method: 'POST', target: '/b', headers: { 'content-type': ['application/json; charset=utf-8'], ...ACCEPT_ANY }, body: '{"query": "a\\u003cb"}' },
  },
  securityCase('TestApplySecurity_ApiKey_Header_DefaultCredential', { id: 'K', type: 'apiKey', in: 'header', name: 'X-Api-Key', defaultCredential: 'def' }, { id: 'K' }, { headers: { 'x-api-key': ['def'] } }),
  securityCase('TestApplySecurity_ApiKey_Header_ExplicitOverridesDefault', { id: 'K', type: 'apiKey', in: 'header', name: 'X-Api-Key', defaultCredential: 'def' }, { id: 'K', credential: 'override' }, { headers: { 'x-api-key': ['override'] } }),
  securityCase('TestApplySecurity_ApiKey_Query_AppendsToExistingQuery', { id: 'K', type: 'apiKey', in: 'query', name: 'api_key' }, { id: 'K', credential: 'secret' }, { url: 'http://api.example.com/p?existing=1', target: '/p?api_key=secret&existing=1', headers: {} }),
  securityCase('TestApplySecurity_ApiKey_Query_NoExistingQuery', { id: 'K', type: 'apiKey', in: 'query', name: 'api_key' }, { id: 'K', credential: 'secret' }, { target: '/p?api_key=secret', headers: {} }),
  securityCase('TestApplySecurity_ApiKey_Query_OverwritesExistingValue', { id: 'K', type: 'apiKey', in: 'query', name: 'api_key' }, { id: 'K', credential: 'fresh' }, { url: 'http://api.example.com/p?api_key=stale&keep=me', target: '/p?api_key=fresh&keep=me', headers: {} }),
  securityCase('TestApplySecurity_HttpBearer_AddsPrefix', { id: 'B', type: 'http', scheme: 'bearer' }, { id: 'B', credential: 'raw-token' }, { headers: { authorization: ['Bearer raw-token'] } }),
  securityCase('TestApplySecurity_HttpBearer_RespectsExistingPrefix', { id: 'B', type: 'http', scheme: 'bearer' }, { id: 'B', credential: 'Bearer already-prefixed' }, { headers: { authorization: ['Bearer already-prefixed'] } }),
  securityCase('TestApplySecurity_HttpBasic_UserPassEncoded', { id: 'B', type: 'http', scheme: 'basic' }, { id: 'B', credential: 'alice:s3cret' }, { headers: { authorization: ['Basic YWxpY2U6czNjcmV0'] } }),
  securityCase('TestApplySecurity_HttpBasic_PreEncodedToken', { id: 'B', type: 'http', scheme: 'basic' }, { id: 'B', credential: 'QWxpY2U6czNjcmV0' }, { headers: { authorization: ['Basic QWxpY2U6czNjcmV0'] } }),
  securityCase('TestApplySecurity_HttpBasic_RespectsExistingPrefix', { id: 'B', type: 'http', scheme: 'basic' }, { id: 'B', credential: 'Basic ZXhpc3Rpbmc=' }, { headers: { authorization: ['Basic ZXhpc3Rpbmc='] } }),
  {
    source: 'auth_utils_test.go TestApplySecurity_ApiKey_Header_ReplacesExisting',
    name: 'the upstream apiKey header replaces a template header of the same name, case-insensitively',
    doc: tool(
      { args: [], requestTemplate: { url: 'http://api.example.com/p', method: 'GET', headers: [{ key: 'x-api-key', value: 'stale' }], security: { id: 'K', credential: 'fresh' } } },
      { securitySchemes: [{ id: 'K', type: 'apiKey', in: 'header', name: 'X-Api-Key' }] },
    ),
    args: {},
    want: { method: 'GET', target: '/p', headers: { 'x-api-key': ['fresh'], ...ACCEPT_ANY }, body: '' },
  },
  {
    source: 'auth_utils_test.go TestApplySecurity_ApiKey_Header_PassthroughBeatsExplicitAndDefault',
    name: 'a passed-through client key beats the configured and default credentials',
    doc: tool(
      { security: { id: 'K', passthrough: true }, args: [], requestTemplate: { url: 'http://api.example.com/p', method: 'GET', security: { id: 'K', credential: 'configured' } } },
      { securitySchemes: [{ id: 'K', type: 'apiKey', in: 'header', name: 'X-Api-Key', defaultCredential: 'def' }] },
    ),
    args: {},
    clientHeaders: { 'x-api-key': 'from-client' },
    want: { method: 'GET', target: '/p', headers: { 'x-api-key': ['from-client'], ...ACCEPT_ANY }, body: '' },
  },
  {
    source: 'auth_utils_test.go TestApplySecurity_HttpBasic_PassthroughTreatedAsTokenPart',
    name: 'a passed-through Basic token is not re-encoded',
    doc: tool(
      { security: { id: 'B', passthrough: true }, args: [], requestTemplate: { url: 'http://api.example.com/p', method: 'GET' } },
      { securitySchemes: [{ id: 'B', type: 'http', scheme: 'basic' }], defaultUpstreamSecurity: { id: 'B' } },
    ),
    args: {},
    clientHeaders: { authorization: 'Basic QWxpY2U6czNjcmV0' },
    want: { method: 'GET', target: '/p', headers: { authorization: ['Basic QWxpY2U6czNjcmV0'], ...ACCEPT_ANY }, body: '' },
  },
  {
    source: 'auth_utils_test.go TestApplySecurity_HttpBearer_Passthrough',
    name: 'a passed-through bearer token gets its prefix back',
    doc: tool(
      { security: { id: 'B', passthrough: true }, args: [], requestTemplate: { url: 'http://api.example.com/p', method: 'GET', security: { id: 'B' } } },
      { securitySchemes: [{ id: 'B', type: 'http', scheme: 'bearer' }] },
    ),
    args: {},
    clientHeaders: { authorization: 'Bearer client-token' },
    want: { method: 'GET', target: '/p', headers: { authorization: ['Bearer client-token'], ...ACCEPT_ANY }, body: '' },
  },
  {
    source: 'rest_server.go executeRequest: sjson.SetBytes(data, "args", t.arguments), i.e. json.Marshal of a Go map (Go 1.24, go.mod)',
    name: 'higress mode: {{.args}} in a body template prints json.Marshal text (sorted keys, <>& escaped, \\b as \\b), and range runs in that order',
    doc: tool(
      {
        args: [
          { name: 'title', description: 't', type: 'string' },
          { name: 'ids', description: 'i', type: 'array', items: { type: 'integer' } },
          { name: 'meta', description: 'm', type: 'object' },
        ],
        requestTemplate: {
          url: 'https://example.com/b',
          method: 'POST',
          body: '{{.args}}|{{range $k, $v := .args.meta}}{{$k}}={{$v}};{{end}}|{{.args.title}}',
        },
      },
      {},
      { mode: 'higress' },
    ),
    args: { title: '<a & b>\b', ids: [3, 1], meta: { zeta: 1, alpha: 'q' } },
    want: {
      method: 'POST',
      target: '/b',
      headers: { 'content-type': [], ...ACCEPT_ANY },
      body: '{"ids":[3,1],"meta":{"alpha":"q","zeta":1},"title":"\\u003ca \\u0026 b\\u003e\\b"}|alpha=q;zeta=1;|<a & b>\b',
    },
  },
  {
    source: 'rest_server.go body step: a body template that is JSON gets Content-Type application/json; charset=utf-8',
    name: 'higress mode: a JSON body template over .args gets the JSON content type and Marshal text',
    doc: tool(
      {
        args: [
          { name: 'q', description: 'q', type: 'string' },
          { name: 'f', description: 'f', type: 'object' },
        ],
        requestTemplate: { url: 'https://example.com/j', method: 'POST', body: '{"filter": {{.args.f}}, "all": {{.args}}}' },
      },
      {},
      { mode: 'higress' },
    ),
    args: { q: 'x>y', f: { b: [true, null], a: 1.5 } },
    want: {
      method: 'POST',
      target: '/j',
      headers: { 'content-type': ['application/json; charset=utf-8'], ...ACCEPT_ANY },
      body: '{"filter": {"a":1.5,"b":[true,null]}, "all": {"f":{"a":1.5,"b":[true,null]},"q":"x\\u003ey"}}',
    },
  },
];
