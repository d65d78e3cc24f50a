using PgTenancy.TestSupport;
using Xunit;

[assembly: AssemblyFixture(typeof(ServerFixture))]
