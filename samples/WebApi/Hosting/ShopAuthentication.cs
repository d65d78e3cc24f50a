using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WebApi.Hosting;

/// <summary>
/// JWT bearer authentication. The tenant is the token's <c>tenant_id</c> claim, so a user cannot pick another tenant
/// by changing a header. In production the tokens come from your identity provider (<c>Jwt:Authority</c>,
/// <c>Jwt:Audience</c>); in Development a local issuer signs them (<c>POST /dev/token</c>).
/// </summary>
public static class ShopAuthentication
{
    public const string AdminPolicy = "admin";
    private const string DevelopmentIssuer = "webapi-development";
    private const string Audience = "webapi";

    public static IServiceCollection AddShopAuthentication(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var authority = configuration["Jwt:Authority"];
        if (string.IsNullOrWhiteSpace(authority) && !environment.IsDevelopment())
        {
            throw new InvalidOperationException("Set Jwt:Authority (and Jwt:Audience) to your identity provider; the development token issuer runs in Development only.");
        }

        var developmentKey = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
        services.AddSingleton(new DevelopmentTokenIssuer(developmentKey));
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            if (string.IsNullOrWhiteSpace(authority))
            {
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = DevelopmentIssuer,
                    ValidAudience = Audience,
                    IssuerSigningKey = developmentKey,
                    RoleClaimType = "role",
                };
            }
            else
            {
                options.Authority = authority;
                options.Audience = configuration["Jwt:Audience"] ?? Audience;
                options.TokenValidationParameters.RoleClaimType = "role";
            }
        });
        services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireRole("admin"));
        return services;
    }

    /// <summary><c>POST /dev/token</c> {"tenant": "…", "user": "…", "admin": false} → a signed token, valid one hour.</summary>
    public static void MapDevelopmentTokenEndpoint(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/dev/token", (TokenRequest request, DevelopmentTokenIssuer issuer) =>
            string.IsNullOrWhiteSpace(request.User)
                ? Results.Problem("Name the user.", statusCode: StatusCodes.Status400BadRequest)
                : Results.Ok(new { token = issuer.Issue(request) }));

    public sealed record TokenRequest(string User, string? Tenant, bool Admin = false);

    public sealed class DevelopmentTokenIssuer(SecurityKey key)
    {
        public string Issue(TokenRequest request)
        {
            var claims = new List<Claim> { new("sub", request.User) };
            if (request.Tenant is not null)
            {
                claims.Add(new Claim("tenant_id", request.Tenant));
            }

            if (request.Admin)
            {
                claims.Add(new Claim("role", "admin"));
            }

            return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = DevelopmentIssuer,
                Audience = Audience,
                Subject = new ClaimsIdentity(claims),
                Expires = DateTime.UtcNow.AddHours(1),
                SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
            });
        }
    }
}
