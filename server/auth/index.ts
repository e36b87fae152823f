export { ConsumerDirectory, type DirectorySource, type Verdict } from './consumer-directory.js';
export { decodeJwt, verifyJwt, loadRsaKeys, type JwtKeys, type JwtPolicy, type DecodedJwt } from './jwt.js';
export { hashPassword, verifyPassword } from './password.js';
