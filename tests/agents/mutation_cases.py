"""Chat changes over several base graphs: (base prompt or example file, message, expectation).

The expectation names what the structural diff must show: ``+field:x``, ``-field:x``,
``~field:x``, ``+tool:x``, ``-tool:x``, ``~tool:x``, or ``name``.
"""

from __future__ import annotations

MUTATIONS: list[tuple[str, str, list[str]]] = [
    # sign up
    ("create a sign up api", "add a phone number field", ["+field:phone", "~tool:createUser"]),
    ("create a sign up api", "also send a welcome email", ["+tool:sendWelcomeEmail"]),
    ("create a sign up api", "make name required", ["~field:name"]),
    ("create a sign up api", "remove the name field", ["-field:name", "~tool:createUser"]),
    ("create a sign up api", "rate limit it to 5 requests per minute", ["+tool:rateLimit"]),
    ("create a sign up api", "don't return a token", ["-tool:issueToken", "~tool:response"]),
    ("create a sign up api", "password must be at least 12 characters", ["~field:password"]),
    ("create a sign up api", "add a unique username", ["+field:username", "~tool:createUser"]),
    ("create a sign up api", "rename the API to Member Registration", ["name"]),
    (
        "create a sign up api",
        "add an optional age from 13 to 120 and make name required",
        ["+field:age", "~field:name"],
    ),
    # login
    ("a login endpoint", "limit it to 3 attempts per minute", ["+tool:rateLimit"]),
    ("a login endpoint", "remove the token", ["-tool:issueToken"]),
    # products
    (
        "an API to create products with name, price and a unique sku",
        "add a description",
        ["+field:description"],
    ),
    (
        "an API to create products with name, price and a unique sku",
        "price must be between 1 and 1000",
        ["~field:price"],
    ),
    (
        "an API to create products with name, price and a unique sku",
        "rename name to title",
        ["-field:name", "+field:title"],
    ),
    (
        "an API to create products with name, price and a unique sku",
        "sku doesn't need to be unique",
        ["~tool:createProduct"],
    ),
    (
        "an API to create products with name, price and a unique sku",
        "require a token",
        ["+tool:auth"],
    ),
    (
        "an API to create products with name, price and a unique sku",
        "return 200 instead of 201",
        ["~tool:response"],
    ),
    (
        "an API to create products with name, price and a unique sku",
        "add a stock count (integer) and a category that is one of food, toys or books",
        ["+field:stock", "+field:category"],
    ),
    (
        "an API to create products with name, price and a unique sku",
        "notify me at shop@example.com",
        ["+tool:notifyOwner"],
    ),
    # todo example file
    ("examples/todo.yaml", "make priority one of low, medium, high or urgent", ["~field:priority"]),
    ("examples/todo.yaml", "make title unique", ["~tool:dbInsert"]),
    ("examples/todo.yaml", "dueDate should be a date and time", ["~field:dueDate"]),
    ("examples/todo.yaml", "drop the due date", ["-field:dueDate"]),
    ("examples/todo.yaml", "add a boolean done flag", ["+field:done"]),
    ("examples/todo.yaml", "call it Task Inbox", ["name"]),
    # contact form
    (
        "a contact form that emails me at owner@example.com",
        "make subject required",
        ["~field:subject"],
    ),
    (
        "a contact form that emails me at owner@example.com",
        "don't send emails",
        ["-tool:notifyOwner"],
    ),
    (
        "a contact form that emails me at owner@example.com",
        "add a company field",
        ["+field:company"],
    ),
    # list
    ("list all todos", "rate limit to 100 requests per hour", ["+tool:rateLimit"]),
    ("list all todos", "only for logged-in users", ["+tool:auth"]),
    # webhook
    ("a webhook that stores Stripe events", "add a unique eventId", ["+field:eventId"]),
    # phrased as people write them (the sweep of chat messages over the main bases)
    ("create a sign up api", "rename name to full_name", ["-field:name", "+field:full_name"]),
    ("create a sign up api", "limit to 10 requests a minute per email", ["+tool:rateLimit"]),
    ("create a sign up api", "send me an email when someone signs up", ["+tool:notifyOwner"]),
    ("create a sign up api", "require a strong password of 12 chars", ["~field:password"]),
    ("create a sign up api", "passwords need at least 12 characters", ["~field:password"]),
    ("create a sign up api", "make it return 200 instead of 201", ["~tool:response"]),
    (
        "create a sign up api",
        "add a phone number and make it optional",
        ["+field:phone", "~tool:createUser"],
    ),
    ("create a sign up api", "add a phnoe number field", ["+field:phone"]),
    ("create a sign up api", "tokens should expire after 7 days", ["~tool:issueToken"]),
    ("a login endpoint", "limit to 5 attempts a minute per email", ["+tool:rateLimit"]),
    ("a login endpoint", "token should last 24 hours", ["~tool:issueToken"]),
    ("a login endpoint", "also return the user's name", ["~tool:response"]),
    ("a todo api", "priority should be low, medium, high or urgent", ["~field:priority"]),
    ("a todo api", "done should default to false", ["~field:done"]),
    ("a todo api", "title must be at most 100 characters", ["~field:title"]),
    ("a todo api", "make the due date required", []),
    ("a todo api", "drop delete", ["-tool:deleteTodo"]),
    ("a todo api", "require login", ["+tool:auth"]),
    (
        "a contact form that emails me at owner@example.com",
        "notify me at boss@example.com instead",
        ["~tool:notifyOwner"],
    ),
    (
        "a contact form that emails me at owner@example.com",
        "also send a copy to the sender",
        ["+tool:sendCopy"],
    ),
    (
        "a contact form that emails me at owner@example.com",
        "limit to 3 messages per hour per email",
        ["+tool:rateLimit"],
    ),
    (
        "a contact form that emails me at owner@example.com",
        "make the message at least 10 characters",
        ["~field:message"],
    ),
    ("a URL shortener", "only allow https urls", ["~field:url"]),
    ("a URL shortener", "make the code 6 characters", ["~field:code", "~tool:saveLink"]),
    ("a URL shortener", "drop the custom code", ["-field:code", "~tool:saveLink"]),
    ("a URL shortener", "rate limit to 20 per minute", ["+tool:rateLimit"]),
    ("create a sign up api", "remvoe the name field", ["-field:name"]),
    ("create a sign up api", "mkae name required", ["~field:name"]),
    ("create a sign up api", "send a welcome emial", ["+tool:sendWelcomeEmail"]),
    ("create a sign up api", "no more than 5 signups per minute", ["+tool:rateLimit"]),
    ("create a sign up api", "add age, must be at least 18", ["+field:age"]),
    ("create a sign up api", "make the email a date", ["~field:email"]),
    ("a login endpoint", "lock out after 5 attempts per minute", ["+tool:rateLimit"]),
    ("a todo api", "make the title required and unique", ["~tool:createTodo"]),
    ("a todo api", "limit title to 80 characters", ["~field:title"]),
    (
        "a contact form that emails me at owner@example.com",
        "stop emailing me",
        ["-tool:notifyOwner"],
    ),
]

NOT_CHANGES = ["write me a poem", "make it better", "blorp the flibbertigibbet"]
