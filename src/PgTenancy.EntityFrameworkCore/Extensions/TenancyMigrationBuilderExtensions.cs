using Microsoft.EntityFrameworkCore.Migrations.Operations.Builders;
using PgTenancy;
using PgTenancy.EntityFrameworkCore.Migrations.Operations;

// In the namespace every migration file imports, so that migrations written by dotnet ef compile without another using.
namespace Microsoft.EntityFrameworkCore.Migrations;

/// <summary>
/// PgTenancy's migration operations: row-level security, the binding's procedures, and least-privilege roles, each
/// with an exact inverse for <c>Down()</c>. Their SQL is generated when the migrating context uses <c>UseTenancy()</c>.
/// </summary>
public static class TenancyMigrationBuilderExtensions
{
    /// <summary>
    /// Enables and forces row-level security on <paramref name="table"/> and creates the tenant policy (USING and WITH
    /// CHECK against the bound tenant). Fails with a clear message if the table or column is missing, the column's type
    /// is not the tenant kind's, or the policy exists already.
    /// </summary>
    public static OperationBuilder<EnableTenantIsolationOperation> EnableTenantIsolation(
        this MigrationBuilder migrationBuilder,
        string table,
        string tenantColumn,
        TenantIdKind tenantKind = TenantIdKind.Uuid,
        string[]? appRoles = null,
        string? schema = null,
        string policyName = TenancyDefaults.PolicyName,
        string settingName = TenancyDefaults.SettingName,
        bool verified = false,
        bool citus = false) =>
        Add(migrationBuilder, new EnableTenantIsolationOperation
        {
            Table = table, TenantColumn = tenantColumn, TenantKind = tenantKind, AppRoles = appRoles ?? [], Schema = schema, PolicyName = policyName, SettingName = settingName, Verified = verified, Citus = citus,
        });

    /// <summary>The exact inverse of <see cref="EnableTenantIsolation"/>; give it the same arguments.</summary>
    public static OperationBuilder<DisableTenantIsolationOperation> DisableTenantIsolation(
        this MigrationBuilder migrationBuilder,
        string table,
        string tenantColumn,
        TenantIdKind tenantKind = TenantIdKind.Uuid,
        string[]? appRoles = null,
        string? schema = null,
        string policyName = TenancyDefaults.PolicyName,
        string settingName = TenancyDefaults.SettingName,
        bool verified = false,
        bool citus = false) =>
        Add(migrationBuilder, new DisableTenantIsolationOperation
        {
            Table = table, TenantColumn = tenantColumn, TenantKind = tenantKind, AppRoles = appRoles ?? [], Schema = schema, PolicyName = policyName, SettingName = settingName, Verified = verified, Citus = citus,
        });

    /// <summary>
    /// Distributes a tenant table across a Citus cluster by its tenant column (<c>create_distributed_table</c>),
    /// colocated with <paramref name="colocateWith"/> so that a tenant's rows of both tables are on one node. Run it
    /// after the tables it refers to are placed (reference tables first) and before
    /// <see cref="EnableTenantIsolation"/>. docs/citus.md.
    /// </summary>
    public static OperationBuilder<DistributeTenantTableOperation> DistributeTenantTable(
        this MigrationBuilder migrationBuilder, string table, string tenantColumn, string? schema = null, string? colocateWith = null) =>
        Add(migrationBuilder, new DistributeTenantTableOperation { Table = table, TenantColumn = tenantColumn, Schema = schema, ColocateWith = colocateWith });

    /// <summary>Makes a table of shared lookup data a Citus reference table (<c>create_reference_table</c>), copied to every node.</summary>
    public static OperationBuilder<CreateReferenceTableOperation> CreateReferenceTable(this MigrationBuilder migrationBuilder, string table, string? schema = null) =>
        Add(migrationBuilder, new CreateReferenceTableOperation { Table = table, Schema = schema });

    /// <summary>The inverse of <see cref="DistributeTenantTable"/> and <see cref="CreateReferenceTable"/> (<c>undistribute_table</c>).</summary>
    public static OperationBuilder<UndistributeTableOperation> UndistributeTable(this MigrationBuilder migrationBuilder, string table, string? schema = null) =>
        Add(migrationBuilder, new UndistributeTableOperation { Table = table, Schema = schema });

    /// <summary>
    /// Installs (idempotently) the bind procedures in <paramref name="schema"/>, for sessions that bind a tenant by hand
    /// (psql, SQL jobs); the library's own binding names only <c>pg_catalog</c> and needs nothing installed.
    /// </summary>
    public static OperationBuilder<InstallTenantBindingOperation> InstallTenantBinding(this MigrationBuilder migrationBuilder, string schema = TenancyDefaults.Schema) =>
        Add(migrationBuilder, new InstallTenantBindingOperation { Schema = schema });

    /// <summary>The inverse of <see cref="InstallTenantBinding"/>.</summary>
    public static OperationBuilder<UninstallTenantBindingOperation> UninstallTenantBinding(this MigrationBuilder migrationBuilder, string schema = TenancyDefaults.Schema) =>
        Add(migrationBuilder, new UninstallTenantBindingOperation { Schema = schema });

    /// <summary>
    /// Installs the verified tenant context in <paramref name="schema"/>: a key table only the migrating (owner) role can
    /// read, and the function the verified policies call. Keys are never in a migration: install them with
    /// <c>pgtenancy keys add</c> or <c>TenantSigningKeys.AddAsync</c> at deploy time.
    /// </summary>
    /// <param name="migrationBuilder">The migration's builder.</param>
    /// <param name="schema">The binding's schema.</param>
    /// <param name="citus">On a Citus coordinator: the verifier also goes to every worker, its key table as a reference table (docs/citus.md).</param>
    public static OperationBuilder<InstallTenantVerificationOperation> InstallTenantVerification(this MigrationBuilder migrationBuilder, string schema = TenancyDefaults.Schema, bool citus = false) =>
        Add(migrationBuilder, new InstallTenantVerificationOperation { Schema = schema, Citus = citus });

    /// <summary>The inverse of <see cref="InstallTenantVerification"/> (drops the installed keys too).</summary>
    public static OperationBuilder<UninstallTenantVerificationOperation> UninstallTenantVerification(this MigrationBuilder migrationBuilder, string schema = TenancyDefaults.Schema) =>
        Add(migrationBuilder, new UninstallTenantVerificationOperation { Schema = schema });

    /// <summary>Creates the application role (no password: set it at deploy time from configuration).</summary>
    public static OperationBuilder<CreateTenantRoleOperation> CreateTenantAppRole(this MigrationBuilder migrationBuilder, string name) =>
        Add(migrationBuilder, new CreateTenantRoleOperation { Name = name });

    /// <summary>Creates a read-only role (no password: set it at deploy time from configuration).</summary>
    public static OperationBuilder<CreateTenantRoleOperation> CreateTenantReadOnlyRole(this MigrationBuilder migrationBuilder, string name) =>
        Add(migrationBuilder, new CreateTenantRoleOperation { Name = name, ReadOnly = true });

    /// <summary>Drops a role made by <see cref="CreateTenantAppRole"/> or <see cref="CreateTenantReadOnlyRole"/>.</summary>
    public static OperationBuilder<DropTenantRoleOperation> DropTenantRole(this MigrationBuilder migrationBuilder, string name) =>
        Add(migrationBuilder, new DropTenantRoleOperation { Name = name });

    /// <summary>Grants DML (or SELECT only) on a schema's tables and sequences, now and later — never TRUNCATE, REFERENCES or CREATE.</summary>
    public static OperationBuilder<GrantTenantPrivilegesOperation> GrantTenantPrivileges(
        this MigrationBuilder migrationBuilder, string role, string schema = "public", string? creator = null, bool readOnly = false) =>
        Add(migrationBuilder, new GrantTenantPrivilegesOperation { Role = role, Schema = schema, Creator = creator, ReadOnly = readOnly });

    /// <summary>The exact inverse of <see cref="GrantTenantPrivileges"/>; give it the same arguments.</summary>
    public static OperationBuilder<RevokeTenantPrivilegesOperation> RevokeTenantPrivileges(
        this MigrationBuilder migrationBuilder, string role, string schema = "public", string? creator = null, bool readOnly = false) =>
        Add(migrationBuilder, new RevokeTenantPrivilegesOperation { Role = role, Schema = schema, Creator = creator, ReadOnly = readOnly });

    /// <summary>Takes CREATE on <paramref name="schema"/> away from PUBLIC; deliberately without an inverse.</summary>
    public static OperationBuilder<RevokeCreateFromPublicOperation> RevokeCreateFromPublic(this MigrationBuilder migrationBuilder, string schema = "public") =>
        Add(migrationBuilder, new RevokeCreateFromPublicOperation { Schema = schema });

    /// <summary>
    /// Installs a guard that rolls back any transaction creating a table with <paramref name="tenantColumn"/> that does
    /// not enable and force row-level security on it before commit. Needs a superuser (event triggers do).
    /// </summary>
    public static OperationBuilder<AddTenantTableGuardOperation> AddTenantTableGuard(this MigrationBuilder migrationBuilder, string tenantColumn, string schema = TenancyDefaults.Schema) =>
        Add(migrationBuilder, new AddTenantTableGuardOperation { TenantColumn = tenantColumn, Schema = schema });

    /// <summary>The exact inverse of <see cref="AddTenantTableGuard"/>.</summary>
    public static OperationBuilder<RemoveTenantTableGuardOperation> RemoveTenantTableGuard(this MigrationBuilder migrationBuilder, string schema = TenancyDefaults.Schema) =>
        Add(migrationBuilder, new RemoveTenantTableGuardOperation { Schema = schema });

    private static OperationBuilder<T> Add<T>(MigrationBuilder migrationBuilder, T operation)
        where T : Microsoft.EntityFrameworkCore.Migrations.Operations.MigrationOperation
    {
        ArgumentNullException.ThrowIfNull(migrationBuilder);
        migrationBuilder.Operations.Add(operation);
        return new OperationBuilder<T>(operation);
    }
}
