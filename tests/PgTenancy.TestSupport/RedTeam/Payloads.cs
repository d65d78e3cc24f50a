namespace PgTenancy.TestSupport.RedTeam;

/// <summary>How a payload's control run shows that it works, so that a broken payload cannot pass as blocked.</summary>
public enum Control
{
    /// <summary>Against the unsigned posture it reads or changes tenant B's rows.</summary>
    CrossesUnsigned,

    /// <summary>Aimed at the attacker's own tenant in the signed posture, it still reads the attacker's own rows.</summary>
    OwnTenantSigned,
}

/// <summary>
/// One injection into the application's string-concatenated query
/// <c>SELECT tenant_id::text, id, title FROM documents WHERE title = '…'</c>, run in tenant A's request. <c>{S}</c> is
/// the tenant setting, <c>{T}</c> the target tenant (B for the attack, A for an own-tenant control), <c>{TH}</c> the
/// target as the hex of its UTF-8 text, <c>{SCHEMA}</c> the binding's schema.
/// </summary>
public sealed record Payload(string Name, string Input, Control Control)
{
    public string For(TenantId target, TenancyOptions options) => Input
        .Replace("{S}", options.SettingName, StringComparison.Ordinal)
        .Replace("{TH}", Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(target.Value)), StringComparison.Ordinal)
        .Replace("{T}", target.Value, StringComparison.Ordinal)
        .Replace("{SCHEMA}", options.Schema, StringComparison.Ordinal);

    /// <summary>Whether its effect is a write (UPDATE, DELETE or INSERT), which the superuser's snapshot shows.</summary>
    public bool Writes => Input.Contains("UPDATE ", StringComparison.Ordinal) || Input.Contains("DELETE ", StringComparison.Ordinal) || Input.Contains("INSERT ", StringComparison.Ordinal);

    /// <summary>
    /// Whether it reads only in a statement stacked after the application's own: a caller that reads the first result
    /// set alone (EF Core) cannot see that read, so a control of it proves nothing there.
    /// </summary>
    public bool ReadsInAStackedStatement => Input.StartsWith("x'; ", StringComparison.Ordinal) && !Writes;

    public override string ToString() => Name;
}

/// <summary>The red team's techniques: single statements that set the tenant before the policy reads it, stacked statements, token forgeries.</summary>
public static class Payloads
{
    private const string Docs = "SELECT tenant_id::text, id, title FROM documents";

    public static IReadOnlyList<Payload> All { get; } =
    [
        // One statement: set_config in a place that runs before the policy's InitPlan reads the setting.
        new("set_config in a scalar subquery of WHERE", "x' IS NOT NULL AND (SELECT length(set_config('{S}','{T}',true))) > 0 --", Control.CrossesUnsigned),
        new("set_config in a CTE", $"x' UNION ALL SELECT s.* FROM (WITH f AS MATERIALIZED (SELECT set_config('{{S}}','{{T}}',true) AS v) {Docs}, f WHERE f.v IS NOT NULL) s --", Control.CrossesUnsigned),
        new("set_config in a UNION branch", $"x' UNION ALL {Docs} WHERE (SELECT set_config('{{S}}','{{T}}',true)) IS NOT NULL --", Control.CrossesUnsigned),
        new("set_config before a LATERAL", $"x' UNION ALL SELECT d.* FROM (SELECT set_config('{{S}}','{{T}}',true)) f, LATERAL ({Docs}) d --", Control.CrossesUnsigned),
        new("set_config in HAVING", $"x' UNION ALL {Docs} GROUP BY 1, 2, 3 HAVING (SELECT set_config('{{S}}','{{T}}',true)) IS NOT NULL --", Control.CrossesUnsigned),
        new("set_config in LIMIT", "x' OR true LIMIT (SELECT length(set_config('{S}','{T}',true)) * 100) --", Control.CrossesUnsigned),
        new("set_config then query_to_xml", "x' UNION ALL SELECT 'xml', 0, query_to_xml('SELECT title FROM documents', true, false, '')::text FROM (SELECT set_config('{S}','{T}',true)) f --", Control.CrossesUnsigned),
        new("set_config in a FROM subquery", $"x' UNION ALL SELECT d.* FROM (SELECT set_config('{{S}}','{{T}}',true)) f CROSS JOIN ({Docs}) d --", Control.CrossesUnsigned),
        new("set_config in a scalar subquery of the SELECT list", "x' UNION ALL SELECT (SELECT set_config('{S}','{T}',true)), 0, (SELECT string_agg(title, ',') FROM documents) --", Control.CrossesUnsigned),
        new("set_config in a VALUES list", $"x' UNION ALL SELECT d.* FROM (VALUES ((SELECT set_config('{{S}}','{{T}}',true)))) v(x), LATERAL ({Docs}) d --", Control.CrossesUnsigned),
        new("hex-decoded tenant set in a LATERAL", $"x' UNION ALL SELECT d.* FROM (SELECT set_config('{{S}}', convert_from(decode('{{TH}}', 'hex'), 'UTF8'), true)) f, LATERAL ({Docs}) d --", Control.CrossesUnsigned),
        new("setting name assembled from pieces", $"x' UNION ALL SELECT d.* FROM (SELECT set_config(substr('{{S}}', 1, 3) || substr('{{S}}', 4), '{{T}}', true)) f, LATERAL ({Docs}) d --", Control.CrossesUnsigned),
        // Stacked statements.
        new("stacked set_config", $"x'; SELECT set_config('{{S}}','{{T}}',true); {Docs}; --", Control.CrossesUnsigned),
        new("stacked SET LOCAL", $"x'; SET LOCAL {{S}} = '{{T}}'; {Docs}; --", Control.CrossesUnsigned),
        new("stacked SET", $"x'; SET {{S}} = '{{T}}'; {Docs}; --", Control.CrossesUnsigned),
        new("stacked session-level set_config", $"x'; SELECT set_config('{{S}}','{{T}}',false); {Docs}; --", Control.CrossesUnsigned),
        new("stacked CALL of the bind procedure", $"x'; CALL {{SCHEMA}}.bind_uuid('{{S}}','{{T}}'); {Docs}; --", Control.CrossesUnsigned),
        new("stacked CALL of the text bind procedure", $"x'; CALL {{SCHEMA}}.bind_text('{{S}}','{{T}}'); {Docs}; --", Control.CrossesUnsigned),
        new("stacked DO block", $"x'; DO $$BEGIN PERFORM set_config('{{S}}','{{T}}',true); END$$; {Docs}; --", Control.CrossesUnsigned),
        new("stacked PREPARE and EXECUTE", $"x'; PREPARE forge AS SELECT set_config('{{S}}','{{T}}',true); EXECUTE forge; DEALLOCATE forge; {Docs}; --", Control.CrossesUnsigned),
        new("stacked RESET ALL then SET", $"x'; RESET ALL; SET LOCAL {{S}} TO '{{T}}'; {Docs}; --", Control.CrossesUnsigned),
        new("stacked SET SESSION", $"x'; SET SESSION {{S}} = '{{T}}'; {Docs}; --", Control.CrossesUnsigned),
        new("stacked explicit transaction", $"x'; BEGIN; SET LOCAL {{S}} = '{{T}}'; {Docs}; COMMIT; --", Control.CrossesUnsigned),
        new("stacked CALL of the naming bind procedure", $"x'; CALL {{SCHEMA}}.bind_uuid_named('{{S}}','{{T}}'); {Docs}; --", Control.CrossesUnsigned),
        new("stacked hex-decoded set_config", $"x'; SELECT set_config('{{S}}', convert_from(decode('{{TH}}', 'hex'), 'UTF8'), true); {Docs}; --", Control.CrossesUnsigned),
        new("stacked UPDATE", "x'; SELECT set_config('{S}','{T}',true); UPDATE documents SET title = 'pwned'; --", Control.CrossesUnsigned),
        new("stacked DELETE", "x'; SELECT set_config('{S}','{T}',true); DELETE FROM documents; --", Control.CrossesUnsigned),
        new("stacked INSERT into the target", "x'; SELECT set_config('{S}','{T}',true); INSERT INTO documents VALUES ('{T}', 99, 'planted'); --", Control.CrossesUnsigned),
        new("stacked SELECT FOR UPDATE", $"x'; SELECT set_config('{{S}}','{{T}}',true); {Docs} FOR UPDATE; --", Control.CrossesUnsigned),
        new("stacked DO block that writes", "x'; DO $$BEGIN PERFORM set_config('{S}','{T}',true); UPDATE documents SET title = 'pwned'; END$$; --", Control.CrossesUnsigned),
        new("stacked data-modifying CTE", "x'; WITH f AS (SELECT set_config('{S}','{T}',true) AS v) UPDATE documents SET title = 'pwned' FROM f WHERE f.v IS NOT NULL; --", Control.CrossesUnsigned),
        new("stacked set_config of a subquery", $"x'; SELECT set_config('{{S}}', (SELECT '{{T}}'), true); {Docs}; --", Control.CrossesUnsigned),
        // Token forgeries: a token whose tenant part is changed, whose key id is changed, or one made up.
        new("own token with another tenant", $"x'; SELECT set_config('{{S}}', regexp_replace(current_setting('{{S}}'), '^(v1\\.[0-9]+\\.)[0-9a-f]+', '\\1{{TH}}'), true); {Docs}; --", Control.OwnTenantSigned),
        new("own token with another tenant, in a subquery", $"x' UNION ALL SELECT d.* FROM (SELECT set_config('{{S}}', regexp_replace(current_setting('{{S}}'), '^(v1\\.[0-9]+\\.)[0-9a-f]+', '\\1{{TH}}'), true)) f, LATERAL ({Docs}) d --", Control.OwnTenantSigned),
        new("own token bound again through the token procedure", $"x'; CALL {{SCHEMA}}.bind_token('{{S}}', regexp_replace(current_setting('{{S}}'), '^(v1\\.[0-9]+\\.)[0-9a-f]+', '\\1{{TH}}')); {Docs}; --", Control.OwnTenantSigned),
    ];
}
