using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace PgTenancy.EntityFrameworkCore.Migrations.Operations;

/// <summary>Installs (idempotently) the schema and procedures the tenant binding calls (see <see cref="TenancyInstaller"/>).</summary>
public sealed class InstallTenantBindingOperation : MigrationOperation
{
    /// <summary>The binding's schema (default <c>pgtenancy</c>).</summary>
    public string Schema { get; set; } = TenancyDefaults.Schema;
}

/// <summary>Installs the verified tenant context: the key table and the token verification function (docs/security.md).</summary>
public sealed class InstallTenantVerificationOperation : MigrationOperation
{
    /// <summary>The schema of the binding's objects.</summary>
    public string Schema { get; set; } = TenancyDefaults.Schema;

    /// <summary>On a Citus coordinator: the verifier on every node, its keys a reference table.</summary>
    public bool Citus { get; set; }
}

/// <summary>The inverse of <see cref="InstallTenantVerificationOperation"/>: drops the verification objects and the keys.</summary>
public sealed class UninstallTenantVerificationOperation : MigrationOperation
{
    /// <summary>The schema of the binding's objects.</summary>
    public string Schema { get; set; } = TenancyDefaults.Schema;
}

/// <summary>The inverse of <see cref="InstallTenantBindingOperation"/>.</summary>
public sealed class UninstallTenantBindingOperation : MigrationOperation
{
    /// <summary>The binding's schema (default <c>pgtenancy</c>).</summary>
    public string Schema { get; set; } = TenancyDefaults.Schema;
}

/// <summary>Installs the guard that rolls back a transaction creating a tenant table without forced RLS (see <see cref="TenantTableGuard"/>).</summary>
public sealed class AddTenantTableGuardOperation : MigrationOperation
{
    /// <summary>The tenant column's name that marks a table as a tenant table.</summary>
    public required string TenantColumn { get; set; }

    /// <summary>The schema of PgTenancy's objects (default <c>pgtenancy</c>).</summary>
    public string Schema { get; set; } = TenancyDefaults.Schema;
}

/// <summary>The exact inverse of <see cref="AddTenantTableGuardOperation"/>.</summary>
public sealed class RemoveTenantTableGuardOperation : MigrationOperation
{
    /// <summary>The schema of PgTenancy's objects (default <c>pgtenancy</c>).</summary>
    public string Schema { get; set; } = TenancyDefaults.Schema;
}
