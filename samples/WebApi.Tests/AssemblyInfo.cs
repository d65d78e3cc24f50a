using WebApi.Tests;
using Xunit;

[assembly: AssemblyFixture(typeof(ShopDatabase))]

// One database named "webapi" (the migrations grant to its app role), and the isolation kit empties its tables
// between cases: test classes take turns.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
