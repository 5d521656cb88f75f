-- What posting a comment changes besides its own row, done inside the
-- INSERT (a trigger runs in the same statement): a top-level comment is its
-- own thread's root, and a visible comment counts in its article. A
-- top-level post is then one statement, one round trip to the database.
CREATE TRIGGER comments_posted AFTER INSERT ON comments BEGIN
    UPDATE comments SET root_id = new.id WHERE id = new.id AND new.root_id = 0;
    UPDATE articles SET visible_count = visible_count + 1
        WHERE id = new.article_id AND new.state = 'visible';
END;
