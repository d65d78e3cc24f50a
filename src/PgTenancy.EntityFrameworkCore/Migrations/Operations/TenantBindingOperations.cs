using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace PgTenancy.EntityFrameworkCore.Migrations.Operations;

/// <summary>Installs (idempotently) the schema and procedures the tenant binding calls (see <see cref="TenancyInstaller"/>).</summary>
public sealed class InstallTenantBindingOperation : MigrationOperation
{
    /// <summary>The binding's schema (default <c>pgtenancy</c>).</summary>
    public string Schema { get; set; } = "pgtenancy";
}

/// <summary>The inverse of <see cref="InstallTenantBindingOperation"/>.</summary>
public sealed class UninstallTenantBindingOperation : MigrationOperation
{
    /// <summary>The binding's schema (default <c>pgtenancy</c>).</summary>
    public string Schema { get; set; } = "pgtenancy";
}
