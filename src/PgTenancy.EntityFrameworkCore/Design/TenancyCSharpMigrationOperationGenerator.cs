using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using PgTenancy.EntityFrameworkCore.Migrations.Operations;

namespace PgTenancy.EntityFrameworkCore.Design;

/// <summary>
/// Writes PgTenancy's migration operations as C# in generated migrations — <c>migrationBuilder.EnableTenantIsolation(…)</c>
/// — the same calls a developer would write by hand. Every other operation is EF Core's.
/// </summary>
internal sealed class TenancyCSharpMigrationOperationGenerator(CSharpMigrationOperationGeneratorDependencies dependencies)
    : CSharpMigrationOperationGenerator(dependencies)
{
    private readonly ICSharpHelper _code = dependencies.CSharpHelper;

    protected override void Generate(MigrationOperation operation, IndentedStringBuilder builder)
    {
        switch (operation)
        {
            case EnableTenantIsolationOperation enable:
                WriteIsolation("EnableTenantIsolation", enable, builder);
                break;
            case DisableTenantIsolationOperation disable:
                WriteIsolation("DisableTenantIsolation", disable, builder);
                break;
            case DistributeTenantTableOperation distribute:
                WriteCall("DistributeTenantTable", builder,
                    [$"table: {_code.Literal(distribute.Table)}", $"tenantColumn: {_code.Literal(distribute.TenantColumn)}", .. Optional("schema", distribute.Schema), .. Optional("colocateWith", distribute.ColocateWith)]);
                break;
            case CreateReferenceTableOperation reference:
                WriteCall("CreateReferenceTable", builder, [$"table: {_code.Literal(reference.Table)}", .. Optional("schema", reference.Schema)]);
                break;
            case UndistributeTableOperation undistribute:
                WriteCall("UndistributeTable", builder, [$"table: {_code.Literal(undistribute.Table)}", .. Optional("schema", undistribute.Schema)]);
                break;
            default:
                base.Generate(operation, builder);
                break;
        }
    }

    private string[] Optional(string name, string? value) => value is null ? [] : [$"{name}: {_code.Literal(value)}"];

    private static void WriteCall(string method, IndentedStringBuilder builder, List<string> arguments)
    {
        builder.Append('.').Append(method).AppendLine("(");
        using (builder.Indent())
        {
            // One argument a line, each through the builder so that it is indented like EF Core's own calls.
            for (var i = 0; i < arguments.Count; i++)
            {
                builder.Append(arguments[i]);
                if (i < arguments.Count - 1)
                {
                    builder.AppendLine(",");
                }
            }

            builder.Append(")");
        }
    }

    private void WriteIsolation(string method, TenantIsolationOperation operation, IndentedStringBuilder builder)
    {
        var arguments = new List<string>
        {
            $"table: {_code.Literal(operation.Table)}",
            $"tenantColumn: {_code.Literal(operation.TenantColumn)}",
            $"tenantKind: PgTenancy.TenantIdKind.{operation.TenantKind}",
        };
        if (operation.AppRoles.Count > 0)
        {
            arguments.Add($"appRoles: new[] {{ {string.Join(", ", operation.AppRoles.Select(_code.Literal))} }}");
        }

        if (operation.Schema is not null)
        {
            arguments.Add($"schema: {_code.Literal(operation.Schema)}");
        }

        if (operation.PolicyName != TenancyDefaults.PolicyName)
        {
            arguments.Add($"policyName: {_code.Literal(operation.PolicyName)}");
        }

        if (operation.SettingName != TenancyOptions.Default.SettingName)
        {
            arguments.Add($"settingName: {_code.Literal(operation.SettingName)}");
        }

        if (operation.Verified)
        {
            arguments.Add("verified: true");
        }

        if (operation.Citus)
        {
            arguments.Add("citus: true");
        }

        WriteCall(method, builder, arguments);
    }
}
