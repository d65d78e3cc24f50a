using PgTenancy.Sql;

namespace PgTenancy.Binding;

/// <summary>
/// The SQL of the verified tenant context (docs/security.md): a key table no application role can read, a function that
/// verifies the signed tenant token carried by the tenant setting and returns its tenant, and the bind procedure for
/// tokens. The policies of a database with verification compare the tenant column with
/// <see cref="VerifiedTenantExpression"/> instead of the raw setting, so SQL that sets the setting — an injection, or a
/// session opened with the application's stolen password — binds no tenant it cannot sign.
/// </summary>
/// <remarks>
/// A token is <c>v1.&lt;key id&gt;.&lt;tenant, UTF-8 hex&gt;.&lt;expiry, Unix seconds&gt;.&lt;HMAC-SHA256, hex&gt;</c>, the HMAC taken
/// over the token's first four parts and the database name, so a token is good for one database. HMAC is computed with
/// PostgreSQL's built-in <c>sha256()</c> from the key's inner and outer pads (key XOR ipad, key XOR opad), which the
/// client computes when it installs the key: no extension is needed, and no XOR in SQL.
/// </remarks>
internal static class VerificationSql
{
    /// <summary>The table of signing keys (as inner and outer HMAC pads), readable only by its owner.</summary>
    public static string KeyTable(TenancyOptions options) => SqlText.Qualified(options.Schema, "tenant_keys");

    /// <summary>The schema-qualified verification function.</summary>
    public static string VerifyFunction(TenancyOptions options) => SqlText.Qualified(options.Schema, "verified_tenant");

    /// <summary>The schema-qualified function that logs why a token was refused; the verifier calls it, no one else may.</summary>
    public static string RefusalFunction(TenancyOptions options) => SqlText.Qualified(options.Schema, "refused_tenant_token");

    /// <summary>The schema-qualified procedure that binds a token (and, <paramref name="inApplicationName"/>, names its tenant in application_name).</summary>
    public static string BindTokenProcedure(TenancyOptions options, bool inApplicationName = false) =>
        SqlText.Qualified(options.Schema, inApplicationName ? "bind_token_named" : "bind_token");

    /// <summary>
    /// The verified tenant as the column's type, for a policy: an InitPlan (<c>(SELECT …)</c>), so the token is verified
    /// once per statement and table, not once per row. NULL — no row — when the token is missing, forged, expired,
    /// signed by a retired key or made for another database.
    /// </summary>
    public static string VerifiedTenantExpression(TenancyOptions options, TenantIdKind kind) =>
        $"(SELECT {InlineVerifiedTenantExpression(options, kind)})";

    /// <summary>The verified tenant without the InitPlan subquery, for policies on Citus distributed tables.</summary>
    public static string InlineVerifiedTenantExpression(TenancyOptions options, TenantIdKind kind) =>
        $"{VerifyFunction(options)}({SqlText.Literal(options.SettingName)})::{TenantKinds.Of(kind).SqlType}";

    // HMAC-SHA256 (hex) of a token's signed text — its four parts and the database name — with the pads in <pads>.
    private static string Mac(string pads, string token) =>
        $"pg_catalog.encode(pg_catalog.sha256({pads}.outer_pad || pg_catalog.sha256({pads}.inner_pad || pg_catalog.convert_to(" +
        $"pg_catalog.left({token}, -65) || '.' || pg_catalog.current_database(), 'UTF8'))), 'hex')";

    /// <summary>Creates the key table, the verification function and the token bind procedure. Idempotent; run by the owner.</summary>
    public static string InstallScript(TenancyOptions options)
    {
        var keys = KeyTable(options);
        return $"""
            SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext({SqlText.Literal("pgtenancy.verification." + options.Schema)}));
            CREATE SCHEMA IF NOT EXISTS {SqlText.Identifier(options.Schema)};
            GRANT USAGE ON SCHEMA {SqlText.Identifier(options.Schema)} TO PUBLIC;
            CREATE TABLE IF NOT EXISTS {keys} (
              id integer PRIMARY KEY CHECK (id > 0),
              inner_pad bytea NOT NULL CHECK (pg_catalog.length(inner_pad) = 64),
              outer_pad bytea NOT NULL CHECK (pg_catalog.length(outer_pad) = 64),
              added_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
              retired_at timestamptz
            );
            REVOKE ALL ON TABLE {keys} FROM PUBLIC;
            COMMENT ON TABLE {keys} IS 'PgTenancy: tenant token signing keys, as HMAC pads. Readable by its owner alone; never grant it to a login role.';

            -- Why a refused token is refused, for the log: run only when the verifier found no tenant, so the checks
            -- that name the reason cost nothing on the path every statement takes.
            CREATE OR REPLACE FUNCTION {RefusalFunction(options)}(setting_name text) RETURNS text
            LANGUAGE plpgsql STABLE SECURITY DEFINER
            SET search_path = pg_catalog, pg_temp{CitusKeyReads(options)}
            AS $pgtenancy$
            DECLARE
              token text := pg_catalog.current_setting(setting_name, true);
              part text[];
              pads record;
              reason text;
            BEGIN
              IF token IS NULL OR token = '' THEN
                RETURN NULL;                                   -- no tenant bound: no row, and nothing to report
              END IF;
              part := pg_catalog.string_to_array(token, '.');
              IF pg_catalog.array_length(part, 1) IS DISTINCT FROM 5 OR part[1] <> 'v1'
                 OR part[2] !~ '^[1-9][0-9]*$' OR pg_catalog.length(part[2]) > 9 OR part[3] !~ '^([0-9a-f][0-9a-f])+$'
                 OR part[4] !~ '^[0-9]+$' OR pg_catalog.length(part[4]) > 12 OR part[5] !~ '^[0-9a-f]+$' OR pg_catalog.length(part[5]) <> 64 THEN
                reason := 'malformed';
              ELSE
                SELECT k.inner_pad, k.outer_pad INTO pads FROM {keys} k WHERE k.id = part[2]::integer AND k.retired_at IS NULL;
                IF NOT FOUND THEN
                  reason := 'unknown or retired key ' || part[2];
                ELSIF {Mac("pads", "token")} <> part[5] THEN
                  reason := 'bad signature';
                ELSE
                  reason := 'expired';
                END IF;
              END IF;
              -- Detection, not only prevention: a refused token is logged with what finds the session.
              RAISE LOG 'PgTenancy refused a tenant token (%): backend %, user %, application %, client %',
                reason, pg_catalog.pg_backend_pid(), session_user, pg_catalog.current_setting('application_name'),
                COALESCE(pg_catalog.inet_client_addr()::text, 'local');
              RETURN NULL;
            END
            $pgtenancy$;
            REVOKE ALL ON FUNCTION {RefusalFunction(options)}(text) FROM PUBLIC;

            -- One query, so that a session whose cached plans were discarded (Npgsql sends DISCARD ALL when a pooled
            -- connection is reused) plans one statement again, not one per check. The checks on the unverified token never
            -- fail: the key is found by its id as text, the signature is compared as text, and the expiry is cast only once
            -- the signature holds (CASE fixes that order), so a forged token of any shape is refused, never an error.
            CREATE OR REPLACE FUNCTION {VerifyFunction(options)}(setting_name text) RETURNS text
            LANGUAGE plpgsql STABLE SECURITY DEFINER
            SET search_path = pg_catalog, pg_temp{CitusKeyReads(options)}
            AS $pgtenancy$
            BEGIN
              RETURN COALESCE((
                SELECT pg_catalog.convert_from(pg_catalog.decode(pg_catalog.split_part(s.token, '.', 3), 'hex'), 'UTF8')
                FROM (SELECT pg_catalog.current_setting(setting_name, true) AS token) s, {keys} k
                WHERE k.retired_at IS NULL
                  AND k.id::text = pg_catalog.split_part(s.token, '.', 2)
                  AND CASE WHEN pg_catalog.split_part(s.token, '.', 1) = 'v1'
                            AND pg_catalog.length(s.token) > 65
                            AND {Mac("k", "s.token")} = pg_catalog.right(s.token, 64)
                       THEN pg_catalog.split_part(s.token, '.', 4)::bigint >= EXTRACT(epoch FROM pg_catalog.statement_timestamp())
                       ELSE false END),
                {RefusalFunction(options)}(setting_name));
            END
            $pgtenancy$;
            REVOKE ALL ON FUNCTION {VerifyFunction(options)}(text) FROM PUBLIC;
            GRANT EXECUTE ON FUNCTION {VerifyFunction(options)}(text) TO PUBLIC;
            COMMENT ON FUNCTION {VerifyFunction(options)}(text) IS 'PgTenancy: the tenant of the signed token in the setting, or NULL when it is missing, forged, expired or for another database.';

            CREATE OR REPLACE PROCEDURE {BindTokenProcedure(options)}(setting_name text, token text)
            LANGUAGE sql
            AS $pgtenancy$ SELECT pg_catalog.set_config(setting_name, COALESCE(token, ''), true) $pgtenancy$;
            COMMENT ON PROCEDURE {BindTokenProcedure(options)}(text, text) IS 'PgTenancy: binds a signed tenant token to the current transaction; the policies verify it.';

            -- The same, and application_name = 'tenant:<id>' for the transaction, for the log: the id is read from the token
            -- unverified, which is fine for a name that any session may set anyway; the policies still verify the token.
            CREATE OR REPLACE PROCEDURE {BindTokenProcedure(options, inApplicationName: true)}(setting_name text, token text)
            LANGUAGE sql
            AS $pgtenancy$
              SELECT pg_catalog.set_config(setting_name, COALESCE(token, ''), true);
              SELECT pg_catalog.set_config('application_name', 'tenant:' || COALESCE(pg_catalog.convert_from(pg_catalog.decode(pg_catalog.split_part(token, '.', 3), 'hex'), 'UTF8'), ''), true);
            $pgtenancy$;
            COMMENT ON PROCEDURE {BindTokenProcedure(options, inApplicationName: true)}(text, text) IS 'PgTenancy: binds a signed tenant token and names its tenant in application_name, for the log.';
            {(options.Citus ? OnEveryCitusNode(options) : "")}
            """;
    }

    // Citus: on a worker the verifier runs inside a shard's query, and reads the key table there (a reference table,
    // one full copy on each node), which Citus refuses as a nested distributed query unless told that it is wanted.
    private static string CitusKeyReads(TenancyOptions options) =>
        options.Citus ? "\n            SET citus.allow_nested_distributed_execution = on" : "";

    /// <summary>
    /// Citus: the policies of the shards call the verifier on the workers, so it goes to every node, and its keys with
    /// it as a reference table (one copy on every node, written through the coordinator). The grants go with them:
    /// still readable by the owner alone. Idempotent.
    /// </summary>
    private static string OnEveryCitusNode(TenancyOptions options)
    {
        var keys = SqlText.Literal(KeyTable(options));
        string Distribute(string function) =>
            $"""
            SELECT create_distributed_function({SqlText.Literal(function + "(text)")})
            WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_object o WHERE o.classid = 'pg_catalog.pg_proc'::regclass AND o.objid = {SqlText.Literal(function + "(text)")}::regprocedure);
            """;
        return $"""
            SELECT create_reference_table({keys})
            WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid = {keys}::regclass);
            {Distribute(RefusalFunction(options))}
            {Distribute(VerifyFunction(options))}
            """;
    }

    /// <summary>The exact inverse of <see cref="InstallScript"/>: drops the procedure, the function and the key table (and so the keys).</summary>
    public static string UninstallScript(TenancyOptions options) => $"""
        DROP PROCEDURE IF EXISTS {BindTokenProcedure(options, inApplicationName: true)}(text, text);
        DROP PROCEDURE IF EXISTS {BindTokenProcedure(options)}(text, text);
        DROP FUNCTION IF EXISTS {VerifyFunction(options)}(text);
        DROP FUNCTION IF EXISTS {RefusalFunction(options)}(text);
        DROP TABLE IF EXISTS {KeyTable(options)};
        """;

    /// <summary>Adds a key (its pads in <c>$2</c> and <c>$3</c>) under id <c>$1</c>; a key id is never reused.</summary>
    public static string AddKey(TenancyOptions options) => $"INSERT INTO {KeyTable(options)} (id, inner_pad, outer_pad) VALUES ($1, $2, $3)";

    /// <summary>Retires key <c>$1</c>: tokens it signed are refused from now on. Returns the number of keys retired.</summary>
    public static string RetireKey(TenancyOptions options) =>
        $"UPDATE {KeyTable(options)} SET retired_at = pg_catalog.now() WHERE id = $1 AND retired_at IS NULL";

    /// <summary>Lists the keys: id, added, retired — never the pads.</summary>
    public static string ListKeys(TenancyOptions options) => $"SELECT id, added_at, retired_at FROM {KeyTable(options)} ORDER BY id";
}
