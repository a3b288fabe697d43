export { switchyardHono } from "./app.js"
