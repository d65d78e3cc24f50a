using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;
using Microsoft.EntityFrameworkCore.Query.SqlExpressions;
using Microsoft.EntityFrameworkCore.Storage;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>
/// Adds a query filter <c>tenant column = bound tenant</c> to every tenant-scoped entity type: defence in depth for
/// LINQ queries on top of row-level security. Off by default (see docs/ef-core.md); on in Citus mode, where the value is
/// a parameter Citus routes on (<see cref="CitusTenantParameter"/>).
/// </summary>
internal sealed class TenantQueryFilterConvention(IRelationalTypeMappingSource typeMappings, TenancyOptions options, bool verified) : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        foreach (var entityType in modelBuilder.Metadata.GetEntityTypes().Where(e => e.BaseType is null).ToList())
        {
            if (entityType.FindTenantProperty() is not { } property)
            {
                continue;
            }

            // One database function per CLR type, so that the column is compared with a value of its own type (a cast of
            // the column would keep its index from being used). The kind was checked against the options already.
            var type = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
            var method = type == typeof(Guid) ? nameof(TenantQueryFilterValues.BoundUuid)
                : type == typeof(long) ? nameof(TenantQueryFilterValues.BoundBigInt)
                : type == typeof(int) ? nameof(TenantQueryFilterValues.BoundInt32)
                : type == typeof(short) ? nameof(TenantQueryFilterValues.BoundInt16)
                : nameof(TenantQueryFilterValues.BoundText);
            var sqlType = TenantKinds.Of(TenantKinds.ForClrType(type) ?? TenantIdKind.Text).SqlType;

            var entity = Expression.Parameter(entityType.ClrType, "e");
            var column = Expression.Call(typeof(EF), nameof(EF.Property), [property.ClrType], entity, Expression.Constant(property.Name));
            Expression value;
            if (options.Citus)
            {
                // A parameter, evaluated on the client per execution: Citus routes on it (see CitusTenantParameter).
                var citusMethod = type == typeof(Guid) ? nameof(CitusTenantParameter.Uuid)
                    : type == typeof(long) ? nameof(CitusTenantParameter.BigInt)
                    : type == typeof(int) ? nameof(CitusTenantParameter.Int32)
                    : type == typeof(short) ? nameof(CitusTenantParameter.Int16)
                    : nameof(CitusTenantParameter.Text);
                // The context, as EF Core recognises it in a filter: a DbContext-typed expression it replaces with the running context.
                value = Expression.Call(typeof(CitusTenantParameter).GetMethod(citusMethod)!, Expression.Constant(null, typeof(DbContext)));
            }
            else
            {
                var function = typeof(TenantQueryFilterValues).GetMethod(method, BindingFlags.Public | BindingFlags.Static)!;
                modelBuilder.HasDbFunction(function)?.HasTranslation(_ => BoundTenant(type, sqlType));
                value = Expression.Call(function);
            }

            if (value.Type != property.ClrType)
            {
                value = Expression.Convert(value, property.ClrType);
            }

            entityType.Builder.HasQueryFilter(Expression.Lambda(Expression.Equal(column, value), entity));
        }
    }

    // NULLIF(current_setting('<setting>', true), '')::<type>, or with verified policies <schema>.verified_tenant('<setting>')::<type>:
    // the same tenant the policies compare with.
    private SqlExpression BoundTenant(Type clrType, string sqlType)
    {
        var text = typeMappings.FindMapping(typeof(string))!;
        var settingName = new SqlConstantExpression(options.SettingName, text);
        var bound = verified
            ? new SqlFunctionExpression(options.Schema, "verified_tenant", [settingName], nullable: true, argumentsPropagateNullability: [false], typeof(string), text)
            : new SqlFunctionExpression(
                "NULLIF",
                [
                    new SqlFunctionExpression(
                        "current_setting",
                        [settingName, new SqlConstantExpression(true, typeMappings.FindMapping(typeof(bool)))],
                        nullable: true,
                        argumentsPropagateNullability: [false, false],
                        typeof(string),
                        text),
                    new SqlConstantExpression("", text),
                ],
                nullable: true,
                argumentsPropagateNullability: [false, false],
                typeof(string),
                text);
        return sqlType == "text" ? bound : new SqlUnaryExpression(ExpressionType.Convert, bound, clrType, typeMappings.FindMapping(clrType));
    }
}
