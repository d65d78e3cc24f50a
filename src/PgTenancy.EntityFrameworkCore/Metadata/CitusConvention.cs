using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>Records in the model that it runs on Citus, so that migrations distribute its tenant tables and write subquery-free policies.</summary>
internal sealed class CitusConvention : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context) =>
        modelBuilder.HasAnnotation(TenancyAnnotationNames.Citus, true);
}
