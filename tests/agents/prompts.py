"""Prompts the rules planner must understand, with the intent each one maps to.

Paraphrases, terse and wordy, and typos: each must give a graph that passes the static checks
and its own tests.
"""

from __future__ import annotations

PROMPTS: list[tuple[str, str]] = [
    # sign up
    ("create a sign up api", "signup"),
    ("signup endpoint with email, password and name", "signup"),
    (
        "I need an API where new users can register with their email address and a password",
        "signup",
    ),
    ("user registration with username and password, return a jwt", "signup"),
    ("sigup api with email and pasword", "signup"),
    (
        "Build a registration endpoint that takes email, password, full name and an optional"
        " phone number, and send a welcome email",
        "signup",
    ),
    ("register users, 3 signups per minute", "signup"),
    # log in
    ("a login endpoint", "login"),
    ("log in with email and password and get a token back", "login"),
    ("authenticate users by username", "login"),
    ("logn api", "login"),
    ("sign in endpoint, rate limited to 5 attempts per minute", "login"),
    # profile and passwords
    ("an endpoint that returns the current user's profile from their token", "profile"),
    ("me endpoint", "profile"),
    ("let users update their profile with a name and a bio", "profile_update"),
    ("forgot password: email a reset token", "reset_request"),
    ("reset the password using the token from the email", "reset_confirm"),
    ("change my password api", "change_password"),
    # create an entity
    ("an API to create products with name, price and a unique sku", "create"),
    ("create a product api", "manage"),
    ("todo api", "manage"),
    ("store books with title, author, isbn (unique) and year", "create"),
    (
        "Create an endpoint to add tasks with a title, an optional description, a priority"
        " that is one of low, medium or high, and a due date",
        "create",
    ),
    ("I want to track my expenses: amount, category and date", "create"),
    ("an api for customers with name, unique email and phone number", "manage"),
    ("save movie reviews with a rating from 1 to 5 and a comment", "create"),
    ("crate an api for recipies", "manage"),
    ("add a support ticket with a title and a status (one of open, pending or closed)", "create"),
    ("an employee api that needs authentication", "manage"),
    ("create events with a title, a date, a location and a capacity between 1 and 500", "create"),
    ("a blog post api with title, body, tags and a published flag", "manage"),
    ("store orders with productId, quantity (at least 1) and the customer's email", "create"),
    ("make me an api", "manage"),
    ("an api to save bookmarks, 100 requests per hour", "create"),
    ("keep track of my pets: name, species and age", "create"),
    ("an inventory api for items with name, sku and stock count", "manage"),
    # read, list, update, delete
    ("get a product by id", "get"),
    ("an endpoint that fetches a single book by its id", "get"),
    ("list all todos", "list"),
    ("list products filtered by category", "list"),
    ("browse the blog posts, newest first", "list"),
    ("update a customer", "update"),
    ("edit a task's title or priority", "update"),
    ("delete a product", "delete"),
    ("remove a note by id", "delete"),
    ("crud api for notes", "manage"),
    ("manage my recipes", "manage"),
    ("an api to create and list events", "manage"),
    # forms
    ("a contact form that emails me at owner@example.com", "contact"),
    ("contact us page", "contact"),
    ("collect feedback with a rating and a comment", "feedback"),
    ("newsletter signup form", "newsletter"),
    ("let people subscribe to our mailing list", "newsletter"),
    ("a waitlist for early access", "waitlist"),
    ("RSVP form for my wedding", "rsvp"),
    ("book a table at the restaurant", "booking"),
    ("appointment booking api that sends a confirmation email", "booking"),
    # webhooks, calls, links
    ("a webhook that stores Stripe events", "webhook"),
    ("receive github webhooks", "webhook"),
    ("call the weather api for a city", "http"),
    ("proxy requests to https://api.example.com/v1/search with a query", "http"),
    ("forward form posts to https://hooks.example.com/inbox", "http"),
    ("a URL shortener", "shortener"),
    ("shorten links", "shortener"),
    ("redirect a short link to its url", "resolver"),
]

NOT_APIS = [
    "write me a poem",
    "tell me a joke",
    "what's the weather like today?",
    "",
    "hello",
]
