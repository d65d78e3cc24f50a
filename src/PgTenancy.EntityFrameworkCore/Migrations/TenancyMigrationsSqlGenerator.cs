using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal;
using Npgsql.EntityFrameworkCore.PostgreSQL.Migrations;
using PgTenancy.Binding;
using PgTenancy.EntityFrameworkCore.Migrations.Operations;
using PgTenancy.Sql;

// efcore.pg's SQL generator is extended, so its constructor's internal options type is named here; the provider's
// major version is pinned (TenancyOptionsExtension.Validate). Listed in docs/ef-core.md#ef-core-and-efcorepg-internals-pgtenancy-depends-on.
#pragma warning disable EF1001

namespace PgTenancy.EntityFrameworkCore.Migrations;

/// <summary>
/// Generates the SQL of PgTenancy's migration operations from the one place in PgTenancy that spells it
/// (<see cref="TenantIsolationPolicy"/>, <see cref="TenantRoles"/>, the binding installer), so that
/// <c>dotnet ef migrations script</c> shows it and <c>Down()</c> is exact. Every other operation is efcore.pg's.
/// </summary>
internal sealed class TenancyMigrationsSqlGenerator(MigrationsSqlGeneratorDependencies dependencies, INpgsqlSingletonOptions npgsqlOptions)
    : NpgsqlMigrationsSqlGenerator(dependencies, npgsqlOptions)
{
    protected override void Generate(MigrationOperation operation, IModel? model, MigrationCommandListBuilder builder)
    {
        var sql = operation switch
        {
            EnableTenantIsolationOperation enable => enable.ToPolicy().EnableSql(),
            DisableTenantIsolationOperation disable => disable.ToPolicy().DisableSql(),
            InstallTenantBindingOperation install => BindingSql.InstallScript(new TenancyOptions { Schema = install.Schema }),
            UninstallTenantBindingOperation uninstall => BindingSql.UninstallScript(new TenancyOptions { Schema = uninstall.Schema }),
            InstallTenantVerificationOperation install => VerificationSql.InstallScript(new TenancyOptions { Schema = install.Schema, Citus = install.Citus }),
            UninstallTenantVerificationOperation uninstall => VerificationSql.UninstallScript(new TenancyOptions { Schema = uninstall.Schema }),
            CreateTenantRoleOperation { ReadOnly: false } create => TenantRoles.CreateAppRole(create.Name),
            CreateTenantRoleOperation create => TenantRoles.CreateReadOnlyRole(create.Name),
            DropTenantRoleOperation drop => TenantRoles.DropRole(drop.Name),
            GrantTenantPrivilegesOperation { ReadOnly: false } grant => TenantRoles.GrantDml(grant.Role, grant.Schema, grant.Creator) + NoHistoryWrites(grant, model),
            GrantTenantPrivilegesOperation grant => TenantRoles.GrantReadOnly(grant.Role, grant.Schema, grant.Creator),
            RevokeTenantPrivilegesOperation { ReadOnly: false } revoke => TenantRoles.RevokeDml(revoke.Role, revoke.Schema, revoke.Creator),
            RevokeTenantPrivilegesOperation revoke => TenantRoles.RevokeReadOnly(revoke.Role, revoke.Schema, revoke.Creator),
            RevokeCreateFromPublicOperation revoke => TenantRoles.RevokeCreateFromPublic(revoke.Schema),
            AddTenantTableGuardOperation guard => TenantTableGuard.InstallSql(guard.TenantColumn, guard.Schema),
            RemoveTenantTableGuardOperation guard => TenantTableGuard.UninstallSql(guard.Schema),
            DistributeTenantTableOperation distribute => CitusSql.Distribute(distribute.Schema, distribute.Table, distribute.TenantColumn, distribute.ColocateWith),
            CreateReferenceTableOperation reference => CitusSql.Reference(reference.Schema, reference.Table),
            UndistributeTableOperation undistribute => CitusSql.Undistribute(undistribute.Schema, undistribute.Table),
            _ => null,
        };

        if (sql is null)
        {
            base.Generate(operation, model, builder);
            return;
        }

        builder.Append(sql).AppendLine().EndCommand();
    }

    /// <summary>
    /// Takes back from the application role the writes on EF Core's migration history that "every table in the schema"
    /// just gave it: the history is the migrator's. Reading it stays allowed (GetPendingMigrations in a health check).
    /// Guarded, as the table may not exist yet when a script is generated for an empty database.
    /// </summary>
    private string NoHistoryWrites(GrantTenantPrivilegesOperation grant, IModel? model)
    {
        var relational = RelationalOptionsExtension.Extract(Dependencies.CurrentContext.Context.GetService<IDbContextOptions>());
        var schema = relational.MigrationsHistoryTableSchema ?? model?.GetDefaultSchema() ?? "public";
        if (schema != grant.Schema)
        {
            return "";
        }

        var history = SqlText.Qualified(schema, relational.MigrationsHistoryTableName ?? HistoryRepository.DefaultTableName);
        return $"""

            DO $pgtenancy$ BEGIN
              IF pg_catalog.to_regclass({SqlText.Literal(history)}) IS NOT NULL THEN
                REVOKE INSERT, UPDATE, DELETE ON TABLE {history} FROM {SqlText.Identifier(grant.Role)};
              END IF;
            END $pgtenancy$;
            """;
    }
}
