using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>Everything a case's steps share: the tables, each tenant's model, the channels under test and the oracle connection.</summary>
internal sealed class CaseContext(
    TableShape[] tables, TenantModel[] models, ISqlChannel sql, IEntityChannel? entities, NpgsqlDataSource oracle, string settingName, string? verifier, IsolationSeverity keysWithoutTenant)
{
    public TableShape[] Tables { get; } = tables;

    public TenantModel[] Models { get; } = models;

    public ISqlChannel Sql { get; } = sql;

    public IEntityChannel? Entities { get; } = entities;

    public NpgsqlDataSource Oracle { get; } = oracle;

    public string SettingName { get; } = settingName;

    /// <summary>The token verifier when tenants are signed (the setting then holds a token), else <see langword="null"/>.</summary>
    public string? Verifier { get; } = verifier;

    public IsolationSeverity KeysWithoutTenant { get; } = keysWithoutTenant;

    /// <summary>The tenant of a case holding <paramref name="tenantValue"/>, for naming it in a finding.</summary>
    public string NameOf(string? tenantValue)
    {
        var index = Array.FindIndex(Models, m => m.Tenant.Value == tenantValue);
        return index >= 0 ? $"tenant {Letter(index)} ({tenantValue})" : $"a tenant outside this case ({tenantValue ?? "NULL"})";
    }

    public static char Letter(int index) => (char)('A' + index);
}
