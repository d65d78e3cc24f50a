using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace PgTenancy.EntityFrameworkCore.Migrations.Operations;

/// <summary>What enabling and disabling tenant isolation on a table share (see <see cref="TenantIsolationPolicy"/>).</summary>
public abstract class TenantIsolationOperation : MigrationOperation
{
    /// <summary>The table.</summary>
    public required string Table { get; set; }

    /// <summary>The table's schema, or <see langword="null"/> for the default.</summary>
    public string? Schema { get; set; }

    /// <summary>The tenant column.</summary>
    public required string TenantColumn { get; set; }

    /// <summary>The tenant column's type.</summary>
    public TenantIdKind TenantKind { get; set; } = TenantIdKind.Uuid;

    /// <summary>The roles the policy applies to; empty for PUBLIC.</summary>
    public IReadOnlyList<string> AppRoles { get; set; } = [];

    /// <summary>The policy's name.</summary>
    public string PolicyName { get; set; } = TenancyDefaults.PolicyName;

    /// <summary>The setting that carries the tenant.</summary>
    public string SettingName { get; set; } = TenancyDefaults.SettingName;

    /// <summary>Whether the policy compares with the verified tenant of a signed token (see <see cref="TenantIsolationPolicy.Verified"/>).</summary>
    public bool Verified { get; set; }

    /// <summary>The schema of the binding's objects (the verification function), default <c>pgtenancy</c>.</summary>
    public string BindingSchema { get; set; } = TenancyDefaults.Schema;

    /// <summary>Whether the policy takes the subquery-free form for a Citus distributed table (see <see cref="TenantIsolationPolicy.Citus"/>).</summary>
    public bool Citus { get; set; }

    /// <summary>The policy this operation enables or disables.</summary>
    public TenantIsolationPolicy ToPolicy() => new(Table, TenantColumn)
    {
        Schema = Schema,
        TenantKind = TenantKind,
        AppRoles = AppRoles,
        PolicyName = PolicyName,
        SettingName = SettingName,
        Verified = Verified,
        BindingSchema = BindingSchema,
        Citus = Citus,
    };
}

/// <summary>Enables and forces row-level security on a table and creates its tenant policy.</summary>
public sealed class EnableTenantIsolationOperation : TenantIsolationOperation
{
}

/// <summary>The exact inverse of <see cref="EnableTenantIsolationOperation"/>.</summary>
public sealed class DisableTenantIsolationOperation : TenantIsolationOperation
{
}
