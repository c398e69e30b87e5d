/** Kinds of secret references beyond `env` and `file`: a plugin's resolver declares them (`vault`). */
export const SECRET_KIND = /^[a-z][a-z0-9-]*$/;
