using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace WebApi.Domain;

/// <summary>
/// What <c>dotnet ef migrations add</c> uses: the model, the roles the policies name and the policy form (verified
/// tenants: the app signs with a key it alone holds), without starting the app (whose development mode would start an
/// embedded server) and without the key. It never connects.
/// </summary>
public sealed class DesignTimeShopContextFactory : IDesignTimeDbContextFactory<ShopContext>
{
    public ShopContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ShopContext>()
            .UseNpgsql("Host=design-time-only")
            .UseTenancy(t => t.PolicyRoles(ShopRoles.App).VerifiedPolicies())
            .Options);
}
